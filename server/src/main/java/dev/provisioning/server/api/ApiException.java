package dev.provisioning.server.api;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;

/** Shorthands for request errors. */
final class ApiException {
    private ApiException() {}

    static ProvisioningException notFound(String what, String id) {
        return new ProvisioningException(ErrorCode.NOT_FOUND, what + " '" + id + "' not found", id);
    }

    static ProvisioningException invalid(String where, String msg) {
        return new ProvisioningException(ErrorCode.INVALID_VALUE, where + ": " + msg, where);
    }
}
