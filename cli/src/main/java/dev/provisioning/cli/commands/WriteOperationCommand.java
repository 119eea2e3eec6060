package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.core.model.Priority;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * A create or delete operation. Orchestrated, it becomes a workflow: the workflow id is printed (stdout holds only
 * it), or with {@code --wait} the workflow is followed live to its end (exit 1 unless it Completed). Direct, nu
 * runs here and the function's result is printed.
 */
abstract class WriteOperationCommand extends OperationCommand {
    @Option(names = "--priority", paramLabel = "PRIORITY",
            description = "Orchestrated: low, normal, high or critical (default: normal).")
    Priority priority;

    @Option(names = "--wait", description = "Orchestrated: follow the workflow live to its end; exit 1 unless it Completed.")
    boolean wait;

    /** The nulib module and function of the direct run. */
    private final String module;
    private final String function;

    WriteOperationCommand(String operation, String module, String function) {
        super(operation);
        this.module = module;
        this.function = function;
    }

    final String module() { return module; }

    final String function() { return function; }

    /** The request of {@link #function()}, checked: bad input is a usage error before anything runs. */
    abstract ObjectNode request();

    /** What the summary line names: {@code server web-1}. */
    abstract String what();

    /** Submits the operation to the daemon. By default a one-task workflow through {@code /workflows/batch/submit}. */
    Api.Submission submit(OrchestratorClient client, ObjectNode request) {
        ObjectNode doc = OneTaskWorkflow.of(operation(), module(), function(), request, priorityName(priority), null);
        return client.submitBatch(OneTaskWorkflow.bytes(doc), "application/json", null);
    }

    /** The body of the daemon's own create routes ({@code /workflows/servers/create}, {@code /taskserv/create}). */
    Api.CreateRequest createRequest(ObjectNode request) {
        return new Api.CreateRequest(request.get("infra").asText(), (ObjectNode) request.get("params"), priorityName(priority));
    }

    @Override
    public Integer call() {
        ObjectNode req = request();
        OrchestratorClient client = orchestratorOrNull();
        if (client == null) {
            printResult(runDirect(module(), function(), req));
            return ExitCode.OK;
        }
        return submitted(client, submit(client, req));
    }

    /** Prints the workflow id, or follows the workflow with {@code --wait}. */
    int submitted(OrchestratorClient client, Api.Submission s) {
        if (!wait) {
            if (json()) machine(s);
            else {
                out().println(s.workflowId());
                err().println("submitted " + operation() + " " + what() + " as workflow " + s.workflowId()
                        + "; follow it with: provisioning workflow status " + s.workflowId());
            }
            return ExitCode.OK;
        }
        PrintWriter human = json() ? err() : out();
        human.println("workflow " + s.workflowId() + " " + (s.status() == null ? "submitted" : s.status()) + ": "
                + operation() + " " + what());
        Api.Workflow w = new WorkflowWatcher(client, main().daemon()::client, human).follow(s.workflowId());
        if (json()) machine(w);
        if (!"Completed".equals(w.state())) throw WorkflowWatcher.failure(w);
        return ExitCode.OK;
    }

    /** {@code --param} values merged over {@code base}; the keys in {@code reserved} are the command's own. */
    static ObjectNode withParams(ObjectNode base, java.util.Map<String, String> params, String... reserved) {
        base.setAll(Params.object(params, reserved));
        return base;
    }

}
