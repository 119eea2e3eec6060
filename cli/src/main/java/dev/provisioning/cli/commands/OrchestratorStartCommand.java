package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.daemon.DaemonControl;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning orchestrator start}: starts the daemon in the background and waits until it is healthy. */
@Command(name = "start",
        description = "Start the orchestrator daemon in the background (detached, output to "
                + "<data dir>/orchestrator.log), write <data dir>/orchestrator.pid and wait until GET /health "
                + "answers. Does nothing if it is running already.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning orchestrator start",
                "  provisioning orchestrator start --data-dir /tmp/prov --timeout 60"})
public final class OrchestratorStartCommand extends BaseCommand {
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for GET /health (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() {
        if (timeoutSeconds < 1) throw dev.provisioning.cli.CliException.usage("--timeout must be at least 1", "--timeout");
        DaemonControl d = main().daemon();
        DaemonControl.Started s = d.start(Duration.ofSeconds(timeoutSeconds));
        if (json()) {
            ObjectNode n = OrchestratorClient.MAPPER.createObjectNode();
            n.put("started", s.started());
            if (s.pid() == null) n.putNull("pid"); else n.put("pid", s.pid());
            n.put("endpoint", s.endpoint()).put("data_dir", d.dataDir().toString());
            machine(n);
        } else if (s.started()) {
            out().println("orchestrator started (pid " + s.pid() + ") at " + s.endpoint());
            out().println("log: " + d.logFile());
        } else {
            out().println("orchestrator already running" + (s.pid() == null ? "" : " (pid " + s.pid() + ")") + " at " + s.endpoint());
        }
        return ExitCode.OK;
    }
}
