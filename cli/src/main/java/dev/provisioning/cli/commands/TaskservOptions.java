package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The arguments of {@code taskserv create|delete}: {@code TASKSERV --server S [--infra I] [--provider P]}, and the
 * request {@code {infra, params: {server, taskserv, provider?}}} they make.
 */
final class TaskservOptions {
    @Parameters(index = "0", paramLabel = "TASKSERV", description = "The task service, e.g. kubernetes, containerd, cilium, postgres.")
    String taskserv;

    @Option(names = "--server", paramLabel = "SERVER", description = "The server it runs on (default: INFRA).")
    String server;

    @Option(names = "--infra", paramLabel = "INFRA", description = "The infrastructure (default: SERVER).")
    String infra;

    @Option(names = "--provider", paramLabel = "PROVIDER", description = "The provider (default: local).")
    String provider;

    /** Either --server or --infra names the server; both default to each other, as the nulib functions do. */
    ObjectNode request() {
        Params.name(taskserv, "TASKSERV");
        if (server == null && infra == null)
            throw dev.provisioning.cli.CliException.usage("give --server SERVER or --infra INFRA", "--server");
        String inf = infra == null ? Params.name(server, "--server") : Params.name(infra, "--infra");
        ObjectNode p = OperationCommand.params().put("server", server == null ? inf : Params.name(server, "--server"))
                .put("taskserv", taskserv);
        OperationCommand.provider(p, provider);
        return OperationCommand.request(inf, p);
    }

    String what() { return "taskserv " + taskserv + " on " + (server == null ? infra : server); }
}
