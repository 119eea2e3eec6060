package dev.provisioning.core.model;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;

/** Thrown when a state change is not in the allowed-transition table. */
public final class IllegalTransitionException extends ProvisioningException {
    public IllegalTransitionException(String entity, String id, Enum<?> from, Enum<?> to) {
        super(ErrorCode.ILLEGAL_TRANSITION, entity + " " + id + ": illegal state change " + from + " -> " + to, id);
    }
}
