package dev.provisioning.cli.client;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;

/** No answer from the daemon at all (connection refused, timeout, not HTTP). */
public final class UnreachableException extends CliException {
    private final String endpoint;
    private final String reason;

    public UnreachableException(String endpoint, String reason) {
        super(ExitCode.UNREACHABLE, "E_UNREACHABLE",
                "orchestrator not reachable at " + endpoint + " (" + reason + "); start it with 'provisioning orchestrator start'",
                endpoint);
        this.endpoint = endpoint;
        this.reason = reason;
    }

    /** One line for notes: {@code orchestrator not reachable at URL (reason)}. */
    public String summary() { return "orchestrator not reachable at " + endpoint + " (" + reason + ")"; }
}
