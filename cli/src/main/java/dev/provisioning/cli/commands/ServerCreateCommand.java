package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.client.UnreachableException;
import dev.provisioning.cli.mode.ModeDecider;
import dev.provisioning.core.model.Priority;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code provisioning server create NAME}: through the orchestrator, or directly with nu. */
@Command(name = "create",
        description = "Create a server: run servers/create.nu create-server with {infra, params: {name, ...}}. "
                + "Orchestrated, it is submitted to the daemon as a one-task workflow and the workflow id is "
                + "printed; --wait follows it to the end. Direct, nu runs here and its result is printed. "
                + "Without --direct or --orchestrated the [execution] config decides (server.create is in "
                + "force_orchestrated by default; with fallback_to_direct it runs directly when the daemon "
                + "cannot be reached).",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning server create web-1",
                "  provisioning server create web-1 --infra prod --param cores=2 --wait",
                "  provisioning server create web-1 --direct --json",
                "  id=$(provisioning server create web-1 --orchestrated)",
                "",
                "--param values: true, false, integers and JSON ({...}, [...], \"...\") are typed;",
                "anything else is a string."})
public final class ServerCreateCommand extends BaseCommand {
    static final String OPERATION = "server.create";
    static final String MODULE = "servers/create.nu";
    static final String FUNCTION = "create-server";

    @Parameters(index = "0", paramLabel = "NAME", description = "The server name (letters, digits, '.', '_', '-').")
    String name;

    @Option(names = "--infra", paramLabel = "INFRA", description = "The infrastructure it belongs to (default: NAME).")
    String infra;

    @Option(names = "--param", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A parameter for create-server; repeatable.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--priority", paramLabel = "PRIORITY",
            description = "Orchestrated: low, normal, high or critical (default: the daemon's, normal).")
    Priority priority;

    @ArgGroup(exclusive = true)
    ModeFlags mode = new ModeFlags();

    static final class ModeFlags {
        @Option(names = "--orchestrated", description = "Submit to the orchestrator daemon.")
        boolean orchestrated;

        @Option(names = "--direct", description = "Run nu here, without the daemon.")
        boolean direct;

        ModeDecider.Requested requested() {
            return orchestrated ? ModeDecider.Requested.ORCHESTRATED
                    : direct ? ModeDecider.Requested.DIRECT : ModeDecider.Requested.NONE;
        }
    }

    @Option(names = "--wait", description = "Orchestrated: follow the workflow to its end; exit 1 if it fails.")
    boolean wait;

    @Override
    public Integer call() {
        Params.name(name, "NAME");
        String inf = infra == null ? name : Params.name(infra, "--infra");
        ObjectNode p = OrchestratorClient.MAPPER.createObjectNode().put("name", name);
        p.setAll(Params.object(params, "name"));

        ModeDecider.Decision d = ModeDecider.decide(OPERATION, mode.requested(), main().config().execution());
        if (d.mode() == ModeDecider.Mode.DIRECT) return direct(inf, p);
        OrchestratorClient client;
        try {
            client = main().connect();
        } catch (UnreachableException e) {
            if (!d.fallbackAllowed()) throw e;
            err().println("note: " + e.summary() + "; running directly (execution.fallback_to_direct = true)");
            return direct(inf, p);
        }
        Api.Submission s = client.createServer(new Api.CreateRequest(inf, p, priority == null ? null : priority.name()));
        if (!wait) {
            if (json()) Output.json(out(), s);
            else {
                out().println(s.workflowId());
                err().println("submitted " + OPERATION + " " + name + " as workflow " + s.workflowId()
                        + "; follow it with: provisioning workflow status " + s.workflowId());
            }
            return ExitCode.OK;
        }
        (json() ? err() : out()).println("workflow " + s.workflowId() + " " + (s.status() == null ? "submitted" : s.status()));
        Api.Workflow w = new WorkflowWatcher(client, main().daemon()::client, json() ? err() : out()).follow(s.workflowId());
        if (json()) Output.json(out(), w);
        if (!"Completed".equals(w.state())) throw WorkflowWatcher.failure(w);
        return ExitCode.OK;
    }

    private int direct(String inf, ObjectNode p) {
        ObjectNode req = OrchestratorClient.MAPPER.createObjectNode().put("infra", inf);
        req.set("params", p);
        JsonNode result = main().directRunner().run(MODULE, FUNCTION, req,
                pr -> err().println(String.format("%3d%% %s", pr.percent(), pr.message())),
                line -> err().println(line));
        if (json()) Output.json(out(), result);
        else Output.value(out(), result);
        return ExitCode.OK;
    }
}
