package dev.provisioning.cli.commands;

import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.OrchestratorClient;
import picocli.CommandLine.Command;

/** {@code provisioning cluster delete NAME}. */
@Command(name = "delete",
        description = "Delete a cluster: its task services, then its servers. Orchestrated, clusters/delete.nu "
                + "cluster-delete-workflow plans it as a workflow here, which is submitted to POST "
                + "/workflows/batch/submit, and the workflow id is printed; --wait follows it. Direct, "
                + "clusters/delete.nu delete-cluster does everything here, in order.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning cluster delete wuji --wait", "  provisioning cluster delete lab --direct"})
public final class ClusterDeleteCommand extends ClusterOperationCommand {
    public ClusterDeleteCommand() {
        super("cluster.delete", "clusters/delete.nu", "delete-cluster", "cluster-delete-workflow");
    }

    @Override
    Api.Submission submitDocument(OrchestratorClient client, byte[] document) {
        return client.submitBatch(document, "application/json", null);
    }
}
