package dev.provisioning.cli.commands;

import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import picocli.CommandLine.Command;

/** {@code provisioning cluster create NAME}. */
@Command(name = "create",
        description = "Create a cluster: its servers, then the task services on them. Orchestrated (the default: "
                + "cluster.create is in force_orchestrated), clusters/create.nu cluster-workflow plans it as a "
                + "workflow here, which is submitted to POST /workflows/cluster/create, and the workflow id is "
                + "printed; --wait follows it. Direct, clusters/create.nu create-cluster does everything here, "
                + "in order.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning cluster create wuji --wait",
                "  provisioning cluster create prod --server cp-1,worker-1 --taskserv containerd,kubernetes --plan small",
                "  provisioning cluster create lab --direct --output json"})
public final class ClusterCreateCommand extends ClusterOperationCommand {
    public ClusterCreateCommand() {
        super("cluster.create", "clusters/create.nu", "create-cluster", "cluster-workflow");
    }

    @Override
    Api.Submission submitDocument(OrchestratorClient client, byte[] document) { return client.submitCluster(document); }
}
