package dev.provisioning.cli.client;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import java.util.List;

/**
 * The daemon answered with an HTTP error; carries its stable error code, where, and the {@code details} list
 * (e.g. every error of an invalid workflow), which are printed as detail lines.
 */
public final class ApiException extends CliException {
    private final int status;
    private final List<String> details;

    public ApiException(int status, String code, String message, String where) {
        this(status, code, message, where, List.of());
    }

    public ApiException(int status, String code, String message, String where, List<String> details) {
        super(exitCodeFor(status), code, message, where, details == null || details.isEmpty() ? null : String.join("\n", details));
        this.status = status;
        this.details = details == null ? List.of() : List.copyOf(details);
    }

    public int status() { return status; }

    /** The daemon's {@code error.details}, empty when it sent none. */
    public List<String> details() { return details; }

    /**
     * 404 → not found; 409 → conflict (the state does not allow it); other 4xx → bad input; 503 → unavailable
     * (treated as unreachable); other 5xx → failed.
     */
    static int exitCodeFor(int status) {
        if (status == 404) return ExitCode.NOT_FOUND;
        if (status == 409) return ExitCode.CONFLICT;
        if (status == 503) return ExitCode.UNREACHABLE;
        if (status >= 400 && status < 500) return ExitCode.USAGE;
        return ExitCode.FAILED;
    }
}
