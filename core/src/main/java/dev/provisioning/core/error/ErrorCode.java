package dev.provisioning.core.error;

/**
 * Stable error codes. The string form ({@link #code()}) is part of the public API (REST bodies, CLI output):
 * never rename one, only add.
 */
public enum ErrorCode {
    // 400 - request shape
    MALFORMED_JSON("E_MALFORMED_JSON", 400),
    UNKNOWN_FIELD("E_UNKNOWN_FIELD", 400),
    MISSING_FIELD("E_MISSING_FIELD", 400),
    INVALID_VALUE("E_INVALID_VALUE", 400),
    MODULE_OUTSIDE_LIB("E_MODULE_OUTSIDE_LIB", 400),
    MODULE_NOT_FOUND("E_MODULE_NOT_FOUND", 400),
    INVALID_FUNCTION("E_INVALID_FUNCTION", 400),
    INVALID_WORKFLOW("E_INVALID_WORKFLOW", 400),
    BAD_REQUEST("E_BAD_REQUEST", 400),
    // 401/403
    UNAUTHORIZED("E_UNAUTHORIZED", 401),
    FORBIDDEN("E_FORBIDDEN", 403),
    // 404/405/409/413/415
    NOT_FOUND("E_NOT_FOUND", 404),
    METHOD_NOT_ALLOWED("E_METHOD_NOT_ALLOWED", 405),
    CONFLICT("E_CONFLICT", 409),
    ILLEGAL_TRANSITION("E_ILLEGAL_TRANSITION", 409),
    PAYLOAD_TOO_LARGE("E_PAYLOAD_TOO_LARGE", 413),
    RATE_LIMITED("E_RATE_LIMITED", 429),
    UNSUPPORTED_MEDIA_TYPE("E_UNSUPPORTED_MEDIA_TYPE", 415),
    // config / startup
    CONFIG_INVALID("E_CONFIG_INVALID", 500),
    // 5xx
    STORE_FAILURE("E_STORE", 500),
    RUNNER_FAILURE("E_RUNNER", 500),
    INTERNAL("E_INTERNAL", 500),
    UNAVAILABLE("E_UNAVAILABLE", 503);

    private final String code;
    private final int httpStatus;

    ErrorCode(String code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public String code() { return code; }

    public int httpStatus() { return httpStatus; }
}
