package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import org.junit.jupiter.api.Test;

/** The contract for inotify through the foreign-function API (the runner's choice on a JDK 22+). */
class NativeExitWatchTest extends ExitWatchContract {
    @Override
    ExitWatch create() {
        assumeThat(Runtime.version().feature()).as("needs a JDK 22+").isGreaterThanOrEqualTo(22);
        return ExitWatcher.best();
    }

    @Test
    void onAJdk22OrNewerItIsTheNativeOne() {
        watch = create();
        assertThat(watch.getClass().getSimpleName()).isEqualTo("NativeExitWatch");
    }
}
