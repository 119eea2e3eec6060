package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.ApiException;
import dev.provisioning.cli.client.OrchestratorClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cluster create|delete NAME}. Direct: the nulib function that does the whole job in order
 * ({@code create-cluster}). Orchestrated: the nulib function that plans it ({@code cluster-workflow}) runs here
 * first, quickly, and the workflow document it returns is submitted to the daemon.
 */
abstract class ClusterOperationCommand extends WriteOperationCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster name.")
    String name;

    @Option(names = "--infra", paramLabel = "INFRA", description = "The infrastructure (default: NAME).")
    String infra;

    @Option(names = "--server", paramLabel = "SERVER", split = ",", description = "A server of the cluster; repeatable or comma-separated.")
    List<String> servers = new ArrayList<>();

    @Option(names = "--taskserv", paramLabel = "TASKSERV", split = ",",
            description = "A task service for every server; repeatable or comma-separated.")
    List<String> taskservs = new ArrayList<>();

    @Option(names = "--plan", paramLabel = "PLAN", description = "The server plan, e.g. small.")
    String plan;

    /** The function returning the workflow document, e.g. {@code cluster-workflow}. */
    private final String planFunction;

    ClusterOperationCommand(String operation, String module, String function, String planFunction) {
        super(operation, module, function);
        this.planFunction = planFunction;
    }

    final String planFunction() { return planFunction; }

    @Override
    String what() { return "cluster " + name; }

    @Override
    ObjectNode request() {
        ObjectNode p = params().put("name", Params.name(name, "NAME"));
        servers.forEach(s -> Params.name(s, "--server"));
        if (!servers.isEmpty()) servers.forEach(p.putArray("servers")::add);
        taskservs.forEach(t -> Params.name(t, "--taskserv"));
        if (!taskservs.isEmpty()) taskservs.forEach(p.putArray("taskservs")::add);
        if (plan != null) p.put("plan", Params.name(plan, "--plan"));
        return request(infra == null ? name : Params.name(infra, "--infra"), p);
    }

    /** The planned workflow document, submitted; the daemon's validation errors are listed as for a file. */
    @Override
    Api.Submission submit(OrchestratorClient client, ObjectNode request) {
        JsonNode doc = main().directRunner().run(module(), planFunction(), request, pr -> { }, line -> err().println(line));
        if (doc == null || !doc.isObject())
            throw new CliException(ExitCode.FAILED, "E_PROTOCOL", module() + " " + planFunction()
                    + " returned " + (doc == null ? "nothing" : doc.getNodeType().name().toLowerCase()) + ", not a workflow document", module());
        if (priority != null) ((ObjectNode) doc).with("workflow").put("priority", priority.name());
        try {
            return submitDocument(client, OneTaskWorkflow.bytes(doc));
        } catch (ApiException e) {
            String detail = String.join("\n", e.details());
            throw new CliException(e.exitCode(), e.code(), "the workflow " + planFunction() + " planned was refused: "
                    + e.getMessage(), module() + " " + planFunction(), detail.isBlank() ? null : detail);
        }
    }

    abstract Api.Submission submitDocument(OrchestratorClient client, byte[] document);
}
