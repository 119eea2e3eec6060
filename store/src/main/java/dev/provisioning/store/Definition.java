package dev.provisioning.store;

import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.RetrySpec;
import java.util.List;

/** What a task row holds that insert writes once: parsed once per process. {@code dependsOn} null: not read yet. */
record Definition(Action action, Action rollback, RetrySpec retry, List<String> pools,
                  List<Dependency> dependsOn) {
    Definition withDependsOn(List<Dependency> deps) {
        return new Definition(action, rollback, retry, pools, deps);
    }
}
