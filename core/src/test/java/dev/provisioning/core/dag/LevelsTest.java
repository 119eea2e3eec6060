package dev.provisioning.core.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import java.util.List;
import org.junit.jupiter.api.Test;

class LevelsTest {
    static NewTask t(String id, String... deps) {
        return new NewTask(id, id, new Action.Command(List.of("true")),
                java.util.Arrays.stream(deps).map(d -> new NewTask.Dependency(d, DependencyKind.hard)).toList(),
                Priority.normal, 1000, null, id, null, List.of());
    }

    @Test
    void aHundredThousandDeepChainNeedsNoRecursion() {
        List<NewTask> chain = new java.util.ArrayList<>();
        for (int i = 0; i < 100_000; i++) chain.add(i == 0 ? t("c0") : t("c" + i, "c" + (i - 1)));
        java.util.Collections.reverse(chain); // dependencies listed after their dependents
        NewWorkflow wf = new NewWorkflow("w", "w", "batch", Priority.normal, NewWorkflow.OnFailure.FAIL, 0, null, chain);
        List<List<String>> levels = Levels.of(wf);
        assertThat(levels).hasSize(100_000);
        assertThat(levels.get(99_999)).containsExactly("c99999");
        java.util.Map<String, List<String>> edges = new java.util.HashMap<>();
        for (int i = 1; i < 100_000; i++) edges.put("c" + i, List.of("c" + (i - 1)));
        assertThat(dev.provisioning.core.spec.WorkflowSpecParserAccess.findCycle(edges)).isNull();
        edges.put("c0", List.of("c99999"));
        assertThat(dev.provisioning.core.spec.WorkflowSpecParserAccess.findCycle(edges)).hasSize(100_001);
    }

    @Test
    void levelsFollowTheLongestDependencyPath() {
        NewWorkflow wf = new NewWorkflow("w", "w", "batch", Priority.normal, NewWorkflow.OnFailure.FAIL, 0, null,
                List.of(t("apps", "k1", "k2"), t("s1"), t("s2"), t("k1", "s1"), t("k2", "s2", "s1"), t("late", "apps")));
        assertThat(Levels.of(wf)).containsExactly(List.of("s1", "s2"), List.of("k1", "k2"), List.of("apps"), List.of("late"));
    }
}
