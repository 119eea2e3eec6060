package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code provisioning taskserv delete TASKSERV --server S}: taskservs/delete.nu delete-taskserv. */
@Command(name = "delete",
        description = "Remove a task service from a server: run taskservs/delete.nu delete-taskserv with "
                + "{infra, params: {server, taskserv, provider?}}. Orchestrated, it is submitted as a one-task "
                + "workflow and the workflow id is printed; --wait follows it. Direct, nu runs here.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning taskserv delete kubernetes --server cp-1 --infra prod --wait",
                "  provisioning taskserv delete containerd --server web-1 --direct"})
public final class TaskservDeleteCommand extends WriteOperationCommand {
    @Mixin
    TaskservOptions target;

    public TaskservDeleteCommand() {
        super("taskserv.delete", "taskservs/delete.nu", "delete-taskserv");
    }

    @Override
    String what() { return target.what(); }

    @Override
    ObjectNode request() { return target.request(); }
}
