package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.OrchestratorClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning server list}: servers/list.nu list-servers; direct by default (force_direct {@code *.list}). */
@Command(name = "list",
        description = "List servers: run servers/list.nu list-servers and print a table (or --output json|yaml). "
                + "Direct by default (*.list is in force_direct), so no daemon is needed; --orchestrated runs it "
                + "as a one-task workflow in the daemon, with the same output.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server list", "  provisioning server list --infra prod --output json",
                "  provisioning server list --orchestrated"})
public final class ServerListCommand extends OperationCommand {
    @Option(names = "--infra", paramLabel = "INFRA", description = "Only servers of this infrastructure.")
    String infra;

    public ServerListCommand() {
        super("server.list");
    }

    @Override
    public Integer call() {
        ObjectNode req = OrchestratorClient.MAPPER.createObjectNode();
        if (infra != null) req.put("infra", Params.name(infra, "--infra"));
        printList(runAnywhere("servers/list.nu", "list-servers", req), "servers" + (infra == null ? "" : " in infra " + infra));
        return ExitCode.OK;
    }
}
