package dev.provisioning.runner;

/** The contract for the JDK's WatchService (the JDK 21 path). */
class JdkExitWatchTest extends ExitWatchContract {
    @Override
    ExitWatch create() {
        return ExitWatcher.create();
    }
}
