package dev.provisioning.store;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;

/** The errors {@link JdbcStore}'s operations throw for an unknown id or a state that forbids the operation. */
final class StoreErrors {
    private StoreErrors() {}

    static ProvisioningException notFound(String what, String id) {
        return new ProvisioningException(ErrorCode.NOT_FOUND, what + " " + id + " does not exist", id);
    }

    static ProvisioningException conflict(String workflowId, String message) {
        return new ProvisioningException(ErrorCode.CONFLICT, message, workflowId);
    }
}
