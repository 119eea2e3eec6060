package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A workflow as submitted: a DAG of tasks. {@code kind} names the operation ({@code servers.create},
 * {@code taskserv.create}, {@code batch}); {@code request} is the original request body, kept for audit. {@code parallelLimit} caps the workflow's running
 * tasks (0 = no cap beyond the global limit).
 */
public record NewWorkflow(
        String id,
        String name,
        String kind,
        Priority priority,
        OnFailure onFailure,
        int parallelLimit,
        JsonNode request,
        List<NewTask> tasks) {

    public NewWorkflow {
        tasks = List.copyOf(tasks);
        if (parallelLimit < 0) throw new IllegalArgumentException("parallelLimit must be >= 0 (0 = no limit)");
    }

    /** What a workflow does when a task fails for good. */
    public enum OnFailure {
        FAIL("fail"), CONTINUE("continue"), ROLLBACK("rollback");

        private final String wire;

        OnFailure(String wire) { this.wire = wire; }

        public String wire() { return wire; }

        public static OnFailure parse(String s) {
            for (OnFailure o : values()) if (o.wire.equals(s)) return o;
            throw new IllegalArgumentException("on_failure must be fail, continue or rollback; got '" + s + "'");
        }
    }
}
