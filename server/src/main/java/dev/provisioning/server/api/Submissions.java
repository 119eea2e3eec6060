package dev.provisioning.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.RetrySpec;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns the original design's operation requests ({@code {"infra": "...", "params": {...}}}) into one-task
 * workflows. The single task's id equals the workflow id, so {@code GET /tasks/{workflow_id}} works as it did
 * in the original design.
 */
public final class Submissions {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Set<String> FIELDS = Set.of("infra", "params", "priority");

    /** An operation: where its Nushell function lives. */
    public record Operation(String kind, String module, String function) {}

    public static final Operation SERVER_CREATE = new Operation("server.create", "servers/create.nu", "create-server");
    public static final Operation TASKSERV_CREATE = new Operation("taskserv.create", "taskservs/create.nu", "create-taskserv");

    private final ActionValidator validator;
    private final Duration timeout;
    private final int maxAttempts;

    public Submissions(ActionValidator validator, Duration timeout, int maxAttempts) {
        this.validator = validator;
        this.timeout = timeout;
        this.maxAttempts = maxAttempts;
    }

    public NewWorkflow operation(Operation op, JsonNode body) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f))
                throw new ProvisioningException(ErrorCode.UNKNOWN_FIELD, "unknown field '" + f + "'; allowed: infra, params, priority", f);
        }
        JsonNode infra = body.get("infra");
        if (infra == null || infra.isNull())
            throw new ProvisioningException(ErrorCode.MISSING_FIELD, "missing field 'infra' (the infrastructure name)", "infra");
        if (!infra.isTextual() || !NAME.matcher(infra.asText()).matches())
            throw ApiException.invalid("infra", "must be a name matching " + NAME.pattern() + ", got " + infra);
        JsonNode params = body.get("params");
        if (params != null && !params.isNull() && !params.isObject()) throw ApiException.invalid("params", "must be a JSON object");
        JsonNode pr = body.get("priority");
        if (pr != null && !pr.isNull() && !pr.isTextual()) throw ApiException.invalid("priority", "must be a string");
        Priority priority = Priority.parse(pr == null || pr.isNull() ? null : pr.asText(), "priority");

        ObjectNode args = Json.MAPPER.createObjectNode();
        args.put("infra", infra.asText());
        args.set("params", params == null || params.isNull() ? Json.MAPPER.createObjectNode() : params);
        Action action = new Action.Nu(op.module(), op.function(), args);
        validator.validate(action, op.kind());
        String id = UUID.randomUUID().toString();
        NewTask task = new NewTask(id, op.kind(), action, List.of(), priority, timeout.toMillis(),
                RetrySpec.DEFAULT.withMaxAttempts(maxAttempts), id, null, List.of());
        return new NewWorkflow(id, op.kind() + " " + infra.asText(), op.kind(), priority, NewWorkflow.OnFailure.FAIL, 0, body, List.of(task));
    }
}
