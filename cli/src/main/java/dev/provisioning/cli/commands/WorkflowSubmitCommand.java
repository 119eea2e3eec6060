package dev.provisioning.cli.commands;

import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.ApiException;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.core.model.Priority;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code provisioning workflow submit FILE} (also {@code batch submit}): submits a workflow file to the daemon. */
@Command(name = "submit",
        description = "Submit a workflow file (a DAG of tasks) to the orchestrator and print the workflow id. "
                + "FILE is TOML, JSON or YAML by its extension (.toml, .json, .yaml, .yml), sent as it is: the "
                + "daemon validates it and reports every error at once. KCL (.k) and Nickel (.ncl) files are "
                + "exported to JSON first by 'kcl run' or 'nickel export' when that binary is on PATH. "
                + "--wait follows the workflow live to its end.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow submit examples/cluster-local.toml --wait",
                "  provisioning batch submit deploy.yaml --priority high",
                "  id=$(provisioning workflow submit deploy.json)",
                "  provisioning workflow submit deploy.toml --wait --json > result.json",
                "",
                "With --wait: exits 0 when the workflow Completed, 1 when it ended otherwise (each failed",
                "task's error and stderr tail are printed). An invalid file exits 2 with all its errors."})
public final class WorkflowSubmitCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The workflow file: .toml, .json, .yaml/.yml, .k, .ncl.")
    Path file;

    @Option(names = "--wait", description = "Follow the workflow live to its end; exit 1 unless it Completed.")
    boolean wait;

    @Option(names = "--priority", paramLabel = "PRIORITY",
            description = "low, normal, high or critical: overrides [workflow] priority of the file.")
    Priority priority;

    @Override
    public Integer call() {
        WorkflowFile.Document doc = WorkflowFile.load(file, priority, System.getenv("PATH"), WorkflowFile.EXPORT_TIMEOUT);
        OrchestratorClient client = main().connect();
        Api.Submission s;
        try {
            s = client.submitBatch(doc.body(), doc.contentType(), doc.sourceParam(), doc.priority());
        } catch (ApiException e) {
            throw WorkflowFile.explain(e, doc);
        }
        String tasks = s.taskIds().size() + (s.taskIds().size() == 1 ? " task" : " tasks");
        if (!wait) {
            if (json()) machine(s);
            else {
                out().println(s.workflowId());
                err().println("submitted " + doc.source() + " (" + tasks + ") as workflow " + s.workflowId()
                        + "; follow it with: provisioning workflow status " + s.workflowId());
            }
            return ExitCode.OK;
        }
        (json() ? err() : out()).println("workflow " + s.workflowId() + " " + (s.status() == null ? "submitted" : s.status())
                + ": " + tasks + " from " + doc.source());
        Api.Workflow w = new WorkflowWatcher(client, main().daemon()::client, json() ? err() : out()).follow(s.workflowId());
        if (json()) machine(w);
        if (!"Completed".equals(w.state())) throw WorkflowWatcher.failure(w);
        return ExitCode.OK;
    }
}
