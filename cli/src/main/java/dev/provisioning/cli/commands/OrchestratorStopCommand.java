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
        footer = {"  provisioning orchestrator stop", "  provisioning orchestrator stop --timeout 5"})
public final class OrchestratorStopCommand extends BaseCommand {
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() {
        if (timeoutSeconds < 0) throw CliException.usage("--timeout must not be negative", "--timeout");
        DaemonControl d = main().daemon();
        Long pid = d.runningPid();
        DaemonControl.Stopped how = d.stop(Duration.ofSeconds(timeoutSeconds));
        if (json()) {
            ObjectNode n = OrchestratorClient.MAPPER.createObjectNode();
            n.put("stopped", how.name().toLowerCase(java.util.Locale.ROOT));
            if (pid == null) n.putNull("pid"); else n.put("pid", pid);
            Output.json(out(), n);
        } else {
            out().println(switch (how) {
                case NOT_RUNNING -> "orchestrator is not running (data dir " + d.dataDir() + ")";
                case TERMINATED -> "orchestrator stopped (pid " + pid + ")";
                case KILLED -> "orchestrator killed (pid " + pid + ") after not stopping within " + timeoutSeconds + " s";
            });
        }
        return ExitCode.OK;
    }
}
