package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code provisioning taskserv create TASKSERV --server S}: taskservs/create.nu create-taskserv. */
@Command(name = "create",
        description = "Install a task service on a server: run taskservs/create.nu create-taskserv with "
                + "{infra, params: {server, taskserv, provider?, config}}, which renders its config files into the "
                + "server's folder. The server must exist. Each --param KEY=VALUE is one key of config. "
                + "Orchestrated (the default: taskserv.create is in force_orchestrated), it is submitted to the "
                + "daemon and the workflow id is printed; --wait follows it. Direct, nu runs here.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning taskserv create kubernetes --server cp-1 --infra prod --param version=1.31 --wait",
                "  provisioning taskserv create containerd --server web-1 --direct",
                "  provisioning taskserv create postgres --server db-1 --param port=5432 --output json"})
public final class TaskservCreateCommand extends WriteOperationCommand {
    @Mixin
    TaskservOptions target;

    @Mixin
    ParamOptions params;

    public TaskservCreateCommand() {
        super("taskserv.create", "taskservs/create.nu", "create-taskserv");
    }

    @Override
    String what() { return target.what(); }

    @Override
    ObjectNode request() {
        ObjectNode req = target.request();
        ((ObjectNode) req.get("params")).set("config", params.object());
        return req;
    }

    /** The daemon's own route for it: {@code POST /workflows/taskserv/create}. */
    @Override
    Api.Submission submit(OrchestratorClient client, ObjectNode request) { return client.createTaskserv(createRequest(request)); }
}
