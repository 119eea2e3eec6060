package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning batch stats}: how many workflows and tasks are in each state, and what runs now. */
@Command(name = "stats",
        description = "Count the orchestrator's workflows by state and their tasks by state (from GET /workflows, "
                + "newest first, up to --limit workflows), with the running tasks from GET /health.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning batch stats", "  provisioning batch stats --limit 100 --output json"})
public final class BatchStatsCommand extends BaseCommand {
    private static final int PAGE = 1000;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "10000",
            description = "Count at most the N newest workflows (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        if (limit < 1 || limit > 1_000_000) throw CliException.usage("--limit must be between 1 and 1000000, got " + limit, "--limit");
        OrchestratorClient client = main().connect();
        JsonNode health = client.healthJson();
        Map<String, Integer> workflows = new TreeMap<>(), tasks = new TreeMap<>();
        int seen = 0;
        while (seen < limit) {
            int n = Math.min(PAGE, limit - seen);
            Api.WorkflowPage page = client.listWorkflows(null, n, seen);
            for (Api.Workflow w : page.workflows()) {
                workflows.merge(String.valueOf(w.state()), 1, Integer::sum);
                w.taskCounts().forEach((state, c) -> tasks.merge(state, c == null ? 0 : c, Integer::sum));
            }
            seen += page.workflows().size();
            if (page.workflows().size() < n) break;
        }
        int taskTotal = tasks.values().stream().mapToInt(Integer::intValue).sum();
        if (json()) {
            ObjectNode o = OrchestratorClient.MAPPER.createObjectNode().put("workflows", seen).put("tasks", taskTotal);
            o.set("workflows_by_state", OrchestratorClient.MAPPER.valueToTree(workflows));
            o.set("tasks_by_state", OrchestratorClient.MAPPER.valueToTree(tasks));
            o.put("running_tasks", health.path("running_tasks").asInt(0)).put("draining", health.path("draining").asBoolean(false));
            machine(o);
            return ExitCode.OK;
        }
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("workflows", seen + (seen >= limit ? " (the newest " + limit + ")" : "") + by(workflows));
        kv.put("tasks", taskTotal + by(tasks));
        kv.put("running now", health.path("running_tasks").asInt(0) + " tasks" + (health.path("draining").asBoolean() ? " (draining)" : ""));
        Output.keyValues(out(), kv);
        return ExitCode.OK;
    }

    /** {@code : 3 Completed, 1 Failed}, or nothing when empty. */
    private static String by(Map<String, Integer> counts) {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(sb.isEmpty() ? ": " : ", ").append(v).append(' ').append(k));
        return sb.toString();
    }
}
