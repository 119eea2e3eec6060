package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code provisioning server create NAME}: through the orchestrator, or directly with nu. */
@Command(name = "create",
        description = "Create a server: run servers/create.nu create-server with {infra, params: {name, ...}}; "
                + "each --param is a key of the server's spec (e.g. plan=small). "
                + "Orchestrated, it is submitted to the daemon as a one-task workflow and the workflow id is "
                + "printed; --wait follows it to the end. Direct, nu runs here and its result is printed. "
                + "Without --direct or --orchestrated the [execution] config decides (server.create is in "
                + "force_orchestrated by default; with fallback_to_direct it runs directly when the daemon "
                + "cannot be reached).",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server create web-1",
                "  provisioning server create wuji --orchestrated",
                "  provisioning server create web-1 --infra prod --param cores=2 --wait",
                "  provisioning server create web-1 --direct --output json",
                "  id=$(provisioning server create web-1 --orchestrated)",
                "",
                "--param values: true, false, integers and JSON ({...}, [...], \"...\") are typed;",
                "anything else is a string."})
public final class ServerCreateCommand extends WriteOperationCommand {
    @Mixin
    ServerOptions target;

    @Mixin
    ParamOptions params;

    public ServerCreateCommand() {
        super("server.create", "servers/create.nu", "create-server");
    }

    @Override
    String what() { return target.what(); }

    @Override
    ObjectNode request() { return target.request(params.object("name")); }

    /** The daemon's own route for it: {@code POST /workflows/servers/create}. */
    @Override
    Api.Submission submit(OrchestratorClient client, ObjectNode request) { return client.createServer(createRequest(request)); }
}
