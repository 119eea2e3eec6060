package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract for posix_spawn (the system spawner on a JDK 22+). */
class NativeSpawnerTest extends SpawnerContract {
    @Override
    Spawner spawner() {
        assumeThat(Runtime.version().feature()).as("posix_spawn needs a JDK 22+").isGreaterThanOrEqualTo(22);
        return Spawners.system();
    }

    @Test
    void onAJdk22OrNewerTheSystemSpawnerIsPosixSpawnAndTellsGroupsApart() {
        assertThat(spawner().name()).isEqualTo("posix_spawn");
        assertThat(spawner().groupExists(ProcessHandle.current().pid() + 1_000_000)).isFalse();
    }

    @Test
    void aMissingProgramInANewSessionFailsTheSpawnItself() {
        // (ProcessBuilder's setsid(1) starts, and its exec of the program fails later, with exit 127)
        assertThatThrownBy(() -> spawner().spawn(List.of(tmp.resolve("no-such-program").toString()), Map.of(),
                tmp, null, null, true)).isInstanceOf(IOException.class).hasMessageContaining("error=2, No such file");
    }
}

