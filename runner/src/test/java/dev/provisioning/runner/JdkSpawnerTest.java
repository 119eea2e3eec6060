package dev.provisioning.runner;

/** The contract for ProcessBuilder with setsid (the JDK 21 path). */
class JdkSpawnerTest extends SpawnerContract {
    @Override
    Spawner spawner() {
        return Spawners.jdk();
    }
}
