package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.client.UnreachableException;
import dev.provisioning.cli.mode.ModeDecider;
import dev.provisioning.core.model.Priority;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * A command that runs one nulib operation ({@code server.create}, {@code taskserv.list}, ...), either directly
 * with nu or through the orchestrator, as {@link ModeDecider} decides from {@code --direct}/{@code --orchestrated}
 * and the {@code [execution]} config. When the daemon cannot be reached and the decision allows it
 * ({@code fallback_to_direct}, no flag), the operation runs directly after one {@code note:} line on stderr.
 */
abstract class OperationCommand extends BaseCommand {
    @ArgGroup(exclusive = true)
    ModeFlags mode = new ModeFlags();

    static final class ModeFlags {
        @Option(names = "--orchestrated", description = "Run through the orchestrator daemon.")
        boolean orchestrated;

        @Option(names = "--direct", description = "Run nu here, in the foreground, without the daemon.")
        boolean direct;

        ModeDecider.Requested requested() {
            return orchestrated ? ModeDecider.Requested.ORCHESTRATED
                    : direct ? ModeDecider.Requested.DIRECT : ModeDecider.Requested.NONE;
        }
    }

    /** The operation name the {@code [execution]} globs are matched against, e.g. {@code server.delete}. */
    private final String operation;

    OperationCommand(String operation) {
        this.operation = operation;
    }

    final String operation() { return operation; }

    /**
     * A client of a healthy daemon when the operation runs orchestrated; null when it runs directly (decided so, or
     * fallen back to after a note on stderr). An unreachable daemon without fallback is exit 3.
     */
    OrchestratorClient orchestratorOrNull() {
        ModeDecider.Decision d = ModeDecider.decide(operation(), mode.requested(), main().config().execution());
        if (d.mode() == ModeDecider.Mode.DIRECT) return null;
        try {
            return main().connect();
        } catch (UnreachableException e) {
            if (!d.fallbackAllowed()) throw e;
            err().println("note: " + e.summary() + "; running directly (execution.fallback_to_direct = true)");
            err().flush();
            return null;
        }
    }

    /** Runs {@code function} of {@code module} here with nu; progress and nu's output go to stderr. */
    JsonNode runDirect(String module, String function, JsonNode request) {
        return main().directRunner().run(module, function, request,
                pr -> err().println(String.format("%3d%% %s", pr.percent(), pr.message())),
                line -> err().println(line));
    }

    /**
     * Runs {@code function} of {@code module} as a one-task workflow in the daemon, waits for it quietly and returns
     * the task's result: the same value {@link #runDirect} returns. A failed task is exit 1 with its error.
     */
    JsonNode runOrchestrated(OrchestratorClient client, String module, String function, JsonNode request) {
        ObjectNode doc = OneTaskWorkflow.of(operation(), module, function, request, null, null);
        Api.Submission s = client.submitBatch(OneTaskWorkflow.bytes(doc), "application/json", null);
        PrintWriter quiet = new PrintWriter(Writer.nullWriter());
        // plain lines into nothing: no live view, so no terminal probe and no JLine on this path
        Api.Workflow w = new WorkflowWatcher(client, main().daemon()::client, new WatchPrinter(quiet)).follow(s.workflowId());
        if (!"Completed".equals(w.state())) throw WorkflowWatcher.failure(w);
        List<Api.Task> tasks = w.tasks() == null ? List.of() : w.tasks();
        return tasks.isEmpty() ? null : tasks.get(0).result();
    }

    /** Runs the operation where the mode says, and returns the function's result. */
    JsonNode runAnywhere(String module, String function, JsonNode request) {
        OrchestratorClient c = orchestratorOrNull();
        return c == null ? runDirect(module, function, request) : runOrchestrated(c, module, function, request);
    }

    /** A function's result: {@code --output json|yaml} as is, else a table, key/value lines or plain values. */
    void printResult(JsonNode result) {
        if (json()) machine(result == null ? OrchestratorClient.MAPPER.nullNode() : result);
        else Output.value(out(), result);
    }

    /** A list result: the table, or "no ..." on stderr when it is empty; machine output is always a list. */
    void printList(JsonNode result, String none) {
        if (json()) machine(result == null ? OrchestratorClient.MAPPER.createArrayNode() : result);
        else if (result == null || result.isEmpty() && result.isContainerNode()) err().println("no " + none);
        else Output.value(out(), result);
    }

    /** {@code {infra, params}}: the request shape of the servers/taskservs/clusters functions. */
    static ObjectNode request(String infra, ObjectNode params) {
        ObjectNode req = OrchestratorClient.MAPPER.createObjectNode();
        if (infra != null) req.put("infra", infra);
        req.set("params", params);
        return req;
    }

    static ObjectNode params() { return OrchestratorClient.MAPPER.createObjectNode(); }

    /** Validates {@code --provider}: a name, like infra and server names. */
    static void provider(ObjectNode params, String provider) {
        if (provider != null) params.put("provider", Params.name(provider, "--provider"));
    }

    /** {@code --priority} of write operations: in the orchestrator only. */
    static String priorityName(Priority p) { return p == null ? null : p.name(); }
}
