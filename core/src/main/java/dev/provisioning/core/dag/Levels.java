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
        // Iterative: a task's dependencies may come later in the list, so relax in topological (Kahn) order.
        Map<String, Integer> index = new HashMap<>();
        List<NewTask> tasks = wf.tasks();
        for (int i = 0; i < tasks.size(); i++) index.put(tasks.get(i).id(), i);
        int n = tasks.size();
        int[] pending = new int[n];
        int[] level = new int[n];
        List<List<Integer>> dependents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) dependents.add(new ArrayList<>());
        for (int i = 0; i < n; i++)
            for (NewTask.Dependency d : tasks.get(i).dependsOn()) {
                Integer j = index.get(d.taskId());
                if (j == null) continue;
                pending[i]++;
                dependents.get(j).add(i);
            }
        java.util.ArrayDeque<Integer> ready = new java.util.ArrayDeque<>();
        for (int i = 0; i < n; i++) if (pending[i] == 0) ready.add(i);
        while (!ready.isEmpty()) {
            int t = ready.poll();
            for (int d : dependents.get(t)) {
                level[d] = Math.max(level[d], level[t] + 1);
                if (--pending[d] == 0) ready.add(d);
            }
        }
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            while (out.size() <= level[i]) out.add(new ArrayList<>());
            out.get(level[i]).add(tasks.get(i).key());
        }
        return out;
    }
}
