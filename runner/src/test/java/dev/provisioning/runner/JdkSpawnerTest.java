package dev.provisioning.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The contract for ProcessBuilder with setsid (the JDK 21 path). */
class JdkSpawnerTest extends SpawnerContract {
    @Override
    Spawner spawner() {
        return Spawners.jdk();
    }

    @Test
    void aNewGroupIsANewSessionToo() { // setsid(1) is the only way ProcessBuilder has
        assertThat(spawner().newGroupIsNewSession()).isTrue();
    }
}
