package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning taskserv list}: taskservs/list.nu list-taskservs. */
@Command(name = "list",
        description = "List installed task services: run taskservs/list.nu list-taskservs with {infra?, params: "
                + "{server?}} and print a table (or --output json|yaml). Direct by default (*.list is in "
                + "force_direct); --orchestrated runs it as a one-task workflow in the daemon.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning taskserv list", "  provisioning taskserv list --infra prod --server cp-1 --output json"})
public final class TaskservListCommand extends OperationCommand {
    @Option(names = "--infra", paramLabel = "INFRA", description = "Only this infrastructure.")
    String infra;

    @Option(names = "--server", paramLabel = "SERVER", description = "Only this server.")
    String server;

    public TaskservListCommand() {
        super("taskserv.list");
    }

    @Override
    public Integer call() {
        ObjectNode p = params();
        if (server != null) p.put("server", Params.name(server, "--server"));
        ObjectNode req = request(infra == null ? null : Params.name(infra, "--infra"), p);
        printList(runAnywhere("taskservs/list.nu", "list-taskservs", req), "task services"
                + (infra == null ? "" : " in infra " + infra) + (server == null ? "" : " on server " + server));
        return ExitCode.OK;
    }
}
