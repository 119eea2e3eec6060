package dev.provisioning.core.dag;

import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewWorkflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure: the plan of a validated workflow as levels. Level 0 holds the tasks with no dependencies; a task's level
 * is one more than its deepest dependency's, so every level can run together once the levels before it are done.
 */
public final class Levels {
    private Levels() {}

    /** Task keys per level, in submission order within a level. The workflow must be acyclic (validated). */
    public static List<List<String>> of(NewWorkflow wf) {
        Map<String, NewTask> byId = new HashMap<>();
        wf.tasks().forEach(t -> byId.put(t.id(), t));
        Map<String, Integer> level = new HashMap<>();
        List<List<String>> out = new ArrayList<>();
        for (NewTask t : wf.tasks()) {
            int l = levelOf(t, byId, level);
            while (out.size() <= l) out.add(new ArrayList<>());
            out.get(l).add(t.key());
        }
        return out;
    }

    private static int levelOf(NewTask t, Map<String, NewTask> byId, Map<String, Integer> memo) {
        Integer known = memo.get(t.id());
        if (known != null) return known;
        int l = 0;
        for (NewTask.Dependency d : t.dependsOn()) {
            NewTask dep = byId.get(d.taskId());
            if (dep != null) l = Math.max(l, levelOf(dep, byId, memo) + 1);
        }
        memo.put(t.id(), l);
        return l;
    }
}
