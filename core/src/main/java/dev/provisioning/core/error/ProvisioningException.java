package dev.provisioning.core.error;

import java.util.List;

/**
 * The one exception type that carries a stable {@link ErrorCode}, a message saying what to fix, and where
 * (a JSON path, config key, file:line or task id). {@code details} holds further errors when several are
 * reported at once.
 */
public class ProvisioningException extends RuntimeException {
    private final ErrorCode code;
    private final String where;
    private final List<String> details;

    public ProvisioningException(ErrorCode code, String message) {
        this(code, message, null, List.of(), null);
    }

    public ProvisioningException(ErrorCode code, String message, String where) {
        this(code, message, where, List.of(), null);
    }

    public ProvisioningException(ErrorCode code, String message, String where, List<String> details, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.where = where;
        this.details = details == null ? List.of() : List.copyOf(details);
    }

    public ErrorCode code() { return code; }

    /** Where the problem is: a field path, config {@code file:key}, or a task id; may be null. */
    public String where() { return where; }

    public List<String> details() { return details; }
}
