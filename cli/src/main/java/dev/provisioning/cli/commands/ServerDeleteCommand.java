package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code provisioning server delete NAME}: servers/delete.nu delete-server, orchestrated or direct. */
@Command(name = "delete",
        description = "Delete a server: run servers/delete.nu delete-server with {infra, params: {name, provider?}}. "
                + "Deleting a server that does not exist is not an error (changed: false). Orchestrated, it is "
                + "submitted as a one-task workflow and the workflow id is printed; --wait follows it to the end. "
                + "Direct, nu runs here and the deleted server is printed.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server delete web-1",
                "  provisioning server delete web-1 --infra prod --orchestrated --wait",
                "  provisioning server delete web-1 --direct --output yaml"})
public final class ServerDeleteCommand extends WriteOperationCommand {
    @Mixin
    ServerOptions target;

    public ServerDeleteCommand() {
        super("server.delete", "servers/delete.nu", "delete-server");
    }

    @Override
    String what() { return target.what(); }

    @Override
    ObjectNode request() { return target.request(params()); }
}
