package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.daemon.DaemonControl;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code provisioning orchestrator status}: running or not, pid, endpoint, health. */
@Command(name = "status",
        description = "Show whether the orchestrator runs, its pid, endpoint and GET /health answer.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning orchestrator status", "  provisioning orchestrator status --json",
                "", "Exits 0 when the daemon answers healthy, 3 when it is not running or not",
                "answering."})
public final class OrchestratorStatusCommand extends BaseCommand {
    @Override
    public Integer call() {
        DaemonControl d = main().daemon();
        DaemonControl.Status s = d.status();
        boolean healthy = s.health() != null && "healthy".equals(s.health().path("status").asText());
        if (json()) {
            ObjectNode n = OrchestratorClient.MAPPER.createObjectNode();
            n.put("running", s.running());
            n.put("healthy", healthy);
            if (s.pid() == null) n.putNull("pid"); else n.put("pid", s.pid());
            n.put("endpoint", s.endpoint()).put("data_dir", d.dataDir().toString());
            n.set("health", s.health());
            machine(n);
        } else {
            Map<String, String> kv = new LinkedHashMap<>();
            kv.put("orchestrator", !s.running() ? "not running"
                    : (healthy ? "running" : "running, not healthy") + (s.pid() == null ? "" : " (pid " + s.pid() + ")"));
            kv.put("endpoint", s.endpoint());
            kv.put("data dir", d.dataDir().toString());
            JsonNode h = s.health();
            kv.put("health", h == null ? "no answer" : h.toString());
            Output.keyValues(out(), kv);
        }
        return healthy ? ExitCode.OK : ExitCode.UNREACHABLE;
    }
}
