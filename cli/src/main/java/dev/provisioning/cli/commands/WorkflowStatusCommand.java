package dev.provisioning.cli.commands;

import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code provisioning workflow status ID}: the workflow and its tasks. */
@Command(name = "status",
        description = "Show a workflow and its tasks: state, attempt, progress, error.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow status 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "  provisioning workflow status --json 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "", "Exits 0 when the workflow was found, whatever its state; 4 when there is none."})
public final class WorkflowStatusCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The workflow id.")
    String id;

    @Override
    public Integer call() {
        checkWorkflowId(id);
        Api.Workflow w = main().connect().workflow(id);
        if (json()) {
            machine(w);
            return ExitCode.OK;
        }
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("workflow", w.id());
        kv.put("name", w.name());
        kv.put("kind", w.kind());
        kv.put("state", w.state());
        kv.put("priority", w.priority());
        kv.put("on failure", w.onFailure());
        kv.put("created", Output.time(w.createdAt()));
        kv.put("updated", Output.time(w.updatedAt()));
        kv.put("finished", Output.time(w.finishedAt()));
        Output.keyValues(out(), kv);
        List<Api.Task> tasks = w.tasks() == null ? List.of() : w.tasks();
        if (tasks.isEmpty()) return ExitCode.OK;
        out().println();
        List<List<String>> rows = new ArrayList<>();
        for (Api.Task t : tasks)
            rows.add(List.of(t.key() == null ? t.id() : t.key(), String.valueOf(t.state()), attempt(t),
                    WorkflowWatcher.progress(t), t.error() == null ? "-" : t.error()));
        Output.table(out(), List.of("TASK", "STATE", "ATTEMPT", "PROGRESS", "ERROR"), rows);
        for (Api.Task t : tasks) {
            if (t.stderrTail() == null || t.stderrTail().isBlank() || "Completed".equals(t.state())) continue;
            out().println();
            out().println("stderr of " + (t.key() == null ? t.id() : t.key()) + ":");
            t.stderrTail().strip().lines().forEach(l -> out().println("  " + l));
        }
        return ExitCode.OK;
    }

    private static String attempt(Api.Task t) {
        if (t.attempt() == null) return "-";
        Integer last = t.lastAttempt();
        // a rollback run counts as an attempt too: there, "n of max" would mislead
        boolean rollback = t.state() != null && t.state().startsWith("Roll");
        return t.attempt() + (last == null || rollback || t.attempt() > last ? "" : "/" + last);
    }
}
