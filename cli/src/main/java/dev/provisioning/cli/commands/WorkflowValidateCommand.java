package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.ApiException;
import dev.provisioning.cli.client.OrchestratorClient;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code provisioning workflow validate FILE} (also {@code batch validate}): has the daemon validate a workflow
 * file, without submitting it, and prints its plan: the levels of tasks that can run together.
 */
@Command(name = "validate",
        description = "Validate a workflow file without running it, and print its plan: the levels of tasks that "
                + "can run together (level 1: the tasks without dependencies; level N+1: the tasks whose "
                + "dependencies are all in levels 1..N). FILE is read as 'workflow submit' reads it (TOML, JSON, "
                + "YAML; KCL and Nickel exported first). The daemon validates it with the same rules as a "
                + "submission and reports every error at once, each with the file, line and task.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow validate examples/cluster-local.toml",
                "  provisioning batch validate deploy.yaml --json",
                "",
                "Exits 0 when the file is valid, 2 when it is not: every error is listed on",
                "stderr (with --json, stdout gets {\"valid\": false, \"errors\": [...]})."})
public final class WorkflowValidateCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The workflow file: .toml, .json, .yaml/.yml, .k, .ncl.")
    Path file;

    @Override
    public Integer call() {
        WorkflowFile.Document doc = WorkflowFile.load(file, null, System.getenv("PATH"), WorkflowFile.EXPORT_TIMEOUT);
        OrchestratorClient client = main().connect();
        Api.Plan plan;
        try {
            plan = client.validateBatch(doc.body(), doc.contentType(), doc.sourceParam());
        } catch (ApiException e) {
            if (json() && "E_INVALID_WORKFLOW".equals(e.code())) {
                ObjectNode n = OrchestratorClient.MAPPER.createObjectNode().put("valid", false);
                ArrayNode errors = n.putArray("errors");
                List<String> listed = WorkflowFile.errors(e, doc);
                if (listed.isEmpty()) errors.add(WorkflowFile.rename(e.getMessage(), doc));
                else listed.forEach(errors::add);
                machine(n);
            }
            throw WorkflowFile.explain(e, doc, "");
        }
        if (json()) {
            machine(plan);
            return ExitCode.OK;
        }
        int tasks = plan.tasks() != null ? plan.tasks() : plan.levels().stream().mapToInt(List::size).sum();
        int levels = plan.levels().size();
        out().println(doc.source() + ": valid" + (plan.name() == null ? "" : " workflow '" + plan.name() + "'") + ", "
                + tasks + (tasks == 1 ? " task" : " tasks") + " in " + levels + (levels == 1 ? " level" : " levels"));
        for (int i = 0; i < levels; i++) out().println(levelLine(i + 1, plan.levels().get(i)));
        return ExitCode.OK;
    }

    /** {@code level 1: server-cp-1 server-worker-1 server-worker-2}. */
    static String levelLine(int level, List<String> keys) {
        return "level " + level + ": " + String.join(" ", keys);
    }
}
