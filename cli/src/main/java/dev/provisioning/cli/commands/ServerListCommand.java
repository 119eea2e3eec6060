package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.OrchestratorClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning server list}: always direct (a read, force_direct {@code *.list}). */
@Command(name = "list",
        description = "List servers: runs servers/list.nu list-servers directly with nu (no daemon needed) "
                + "and prints a table, or the JSON result with --json.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server list", "  provisioning server list --infra prod --json"})
public final class ServerListCommand extends BaseCommand {
    static final String MODULE = "servers/list.nu";
    static final String FUNCTION = "list-servers";

    @Option(names = "--infra", paramLabel = "INFRA", description = "Only servers of this infrastructure.")
    String infra;

    @Override
    public Integer call() {
        ObjectNode req = OrchestratorClient.MAPPER.createObjectNode();
        if (infra != null) req.put("infra", Params.name(infra, "--infra"));
        JsonNode result = main().directRunner().run(MODULE, FUNCTION, req,
                pr -> { }, line -> err().println(line));
        if (json()) {
            Output.json(out(), result == null ? OrchestratorClient.MAPPER.createArrayNode() : result);
        } else if (result == null || result.isEmpty() && result.isContainerNode()) {
            err().println("no servers" + (infra == null ? "" : " in infra " + infra));
        } else {
            Output.value(out(), result);
        }
        return ExitCode.OK;
    }
}
