package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code provisioning server show NAME}: servers/show.nu show-server, the server's record. */
@Command(name = "show",
        description = "Show one server: run servers/show.nu show-server with {infra, params: {name, provider?}} "
                + "and print its record (key/value lines, or --output json|yaml). Direct by default (*.show is in "
                + "force_direct); --orchestrated runs it as a one-task workflow in the daemon.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server show web-1", "  provisioning server show cp-1 --infra cluster-local --output json",
                "", "Exits 4 when there is no such server."})
public final class ServerShowCommand extends OperationCommand {
    /** How show-server says that the server does not exist. */
    private static final Pattern NOT_FOUND = Pattern.compile("(?i)not found|does not exist|no such|no server");

    @Mixin
    ServerOptions target;

    public ServerShowCommand() {
        super("server.show");
    }

    @Override
    public Integer call() {
        ObjectNode req = target.request(params());
        try {
            printResult(runAnywhere("servers/show.nu", "show-server", req));
        } catch (CliException e) {
            if (e.exitCode() == ExitCode.FAILED && e.getMessage() != null && NOT_FOUND.matcher(e.getMessage()).find())
                throw new CliException(ExitCode.NOT_FOUND, "E_NOT_FOUND", e.getMessage(), target.what(), e.detail());
            throw e;
        }
        return ExitCode.OK;
    }
}
