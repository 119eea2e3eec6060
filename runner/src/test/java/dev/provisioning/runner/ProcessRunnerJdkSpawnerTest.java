package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every {@link ProcessRunnerTest} again, with processes started by ProcessBuilder and setsid (the JDK 21 path). */
class ProcessRunnerJdkSpawnerTest extends ProcessRunnerTest {
    @Override
    Spawner spawner() {
        return Spawners.jdk();
    }

    @Test
    void theSpawnerIsProcessBuilderWithSetsid() {
        assertThat(runner.spawner().name()).isEqualTo("ProcessBuilder+setsid");
    }
}
