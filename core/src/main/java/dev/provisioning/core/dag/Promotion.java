package dev.provisioning.core.dag;

import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure: given the states of a workflow's tasks and their dependencies, computes which Pending tasks become
 * Ready (every hard dependency Completed, every soft one ended) and which become Skipped (a hard dependency
 * can no longer complete). Runs to a fixpoint, so skips cascade. The store applies the result inside the
 * transaction that changed a task.
 */
public final class Promotion {
    private Promotion() {}

    public record Change(String taskId, TaskState from, TaskState to) {}

    public static List<Change> compute(Map<String, TaskState> states, Map<String, List<Dependency>> deps) {
        Map<String, TaskState> cur = new java.util.LinkedHashMap<>(states);
        List<Change> changes = new ArrayList<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<String, TaskState> e : cur.entrySet()) {
                if (e.getValue() != TaskState.Pending) continue;
                TaskState next = decide(deps.getOrDefault(e.getKey(), List.of()), cur);
                if (next != null) {
                    changes.add(new Change(e.getKey(), TaskState.Pending, next));
                    e.setValue(next);
                    changed = true;
                }
            }
        }
        return changes;
    }

    /** Ready, Skipped, or null (keep waiting). Dependencies outside the map count as Completed. */
    static TaskState decide(List<Dependency> deps, Map<String, TaskState> states) {
        boolean allDone = true;
        for (Dependency d : deps) {
            TaskState s = states.getOrDefault(d.taskId(), TaskState.Completed);
            if (d.kind() == DependencyKind.hard) {
                if (s == TaskState.Completed) continue;
                if (s.isTerminal() || s == TaskState.RollingBack) return TaskState.Skipped;
                allDone = false;
            } else if (!s.isTerminal()) {
                allDone = false;
            }
        }
        return allDone ? TaskState.Ready : null;
    }
}
