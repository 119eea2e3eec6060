package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.core.model.WorkflowState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning workflow list}: a table of workflows, newest first (as the daemon orders them). */
@Command(name = "list",
        description = "List the orchestrator's workflows.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow list", "  provisioning workflow list --status Failed --limit 5",
                "  provisioning workflow list --json",
                "", "States: Pending, Running, Completed, Failed, Cancelled, RolledBack."})
public final class WorkflowListCommand extends BaseCommand {
    @Option(names = "--status", paramLabel = "STATE", description = "Only workflows in this state.")
    String status;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most N workflows (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Skip the first N (default: ${DEFAULT-VALUE}).")
    int offset;

    @Override
    public Integer call() {
        String state = status == null ? null : state(status);
        if (limit < 1 || limit > 1000) throw CliException.usage("--limit must be between 1 and 1000, got " + limit, "--limit");
        if (offset < 0) throw CliException.usage("--offset must not be negative, got " + offset, "--offset");
        Api.WorkflowPage page = main().connect().listWorkflows(state, limit, offset);
        if (json()) {
            machine(page);
            return ExitCode.OK;
        }
        if (page.workflows().isEmpty()) {
            err().println("no workflows" + (state == null ? "" : " in state " + state));
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Api.Workflow w : page.workflows())
            rows.add(List.of(w.id(), str(w.name()), str(w.kind()), str(w.state()), counts(w.taskCounts()), Output.time(w.createdAt())));
        Output.table(out(), List.of("ID", "NAME", "KIND", "STATE", "TASKS", "CREATED"), rows);
        return ExitCode.OK;
    }

    /** The canonical state name, matched case-insensitively. */
    static String state(String s) {
        for (WorkflowState ws : WorkflowState.values()) if (ws.name().equalsIgnoreCase(s)) return ws.name();
        throw CliException.usage("unknown workflow state '" + s + "'; one of " + Arrays.toString(WorkflowState.values()), "--status");
    }

    /** {@code 2/3 Completed, 1 Running}: completed over total first, then the other states. */
    static String counts(Map<String, Integer> c) {
        if (c.isEmpty()) return "-";
        int total = c.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder sb = new StringBuilder().append(c.getOrDefault("Completed", 0)).append('/').append(total).append(" done");
        c.forEach((k, v) -> {
            if (!k.equals("Completed") && v != null && v > 0) sb.append(", ").append(v).append(' ').append(k);
        });
        return sb.toString();
    }

    private static String str(String s) { return s == null ? "-" : s; }
}
