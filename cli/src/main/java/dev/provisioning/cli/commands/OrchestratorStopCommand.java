package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.daemon.DaemonControl;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning orchestrator stop}: TERM, wait, KILL after the timeout, remove the pid file. */
@Command(name = "stop",
        description = "Stop the orchestrator daemon of the data dir: SIGTERM, wait until it is gone, SIGKILL "
                + "after --timeout, remove the pid file. Running tasks are not killed: they run in their own "
                + "processes and the daemon reattaches to them on its next start.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning orchestrator stop", "  provisioning orchestrator stop --timeout 5",
                "  provisioning orchestrator stop --drain          # let running tasks finish first"})
public final class OrchestratorStopCommand extends BaseCommand {
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--drain", description = "First ask the daemon to start nothing new and wait until its running tasks "
            + "have finished (at most --drain-timeout), then stop it.")
    boolean drain;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "3600",
            description = "With --drain: how long to wait for running tasks (default: ${DEFAULT-VALUE}).")
    int drainTimeoutSeconds;

    @Override
    public Integer call() {
        if (timeoutSeconds < 0) throw CliException.usage("--timeout must not be negative", "--timeout");
        DaemonControl d = main().daemon();
        Long pid = d.runningPid();
        if (drain && pid != null) drain(d);
        DaemonControl.Stopped how = d.stop(Duration.ofSeconds(timeoutSeconds));
        if (json()) {
            ObjectNode n = OrchestratorClient.MAPPER.createObjectNode();
            n.put("stopped", how.name().toLowerCase(java.util.Locale.ROOT));
            if (pid == null) n.putNull("pid"); else n.put("pid", pid);
            machine(n);
        } else {
            out().println(switch (how) {
                case NOT_RUNNING -> "orchestrator is not running (data dir " + d.dataDir() + ")";
                case TERMINATED -> "orchestrator stopped (pid " + pid + ")";
                case KILLED -> "orchestrator killed (pid " + pid + ") after not stopping within " + timeoutSeconds + " s";
            });
        }
        return ExitCode.OK;
    }

    /** Asks the daemon to drain and waits until /health reports no running task. */
    private void drain(DaemonControl d) {
        OrchestratorClient client = d.client();
        client.drain();
        if (!json()) err().println("draining: waiting for running tasks to finish...");
        long deadline = System.nanoTime() + Duration.ofSeconds(drainTimeoutSeconds).toNanos();
        int last = -1;
        while (true) {
            int running = client.healthJson().path("running_tasks").asInt();
            if (running == 0) return;
            if (running != last && !json()) err().println("  " + running + " task(s) still running");
            last = running;
            if (System.nanoTime() > deadline) {
                if (!json()) err().println("drain timeout after " + drainTimeoutSeconds + " s; stopping anyway (running tasks keep running)");
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
