package dev.provisioning.cli.client;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;

/** The daemon answered with an HTTP error; carries its stable error code and where. */
public final class ApiException extends CliException {
    private final int status;

    public ApiException(int status, String code, String message, String where) {
        super(exitCodeFor(status), code, message, where);
        this.status = status;
    }

    public int status() { return status; }

    /** 404 → not found; other 4xx → bad input; 503 → unavailable (treated as unreachable); other 5xx → failed. */
    static int exitCodeFor(int status) {
        if (status == 404) return ExitCode.NOT_FOUND;
        if (status == 503) return ExitCode.UNREACHABLE;
        if (status >= 400 && status < 500) return ExitCode.USAGE;
        return ExitCode.FAILED;
    }
}
