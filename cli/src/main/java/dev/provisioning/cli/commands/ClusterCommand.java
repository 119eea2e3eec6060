package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning cluster create|delete}. */
@Command(name = "cluster",
        description = "Create and delete clusters: servers plus the task services on them (nulib/clusters/*.nu).",
        mixinStandardHelpOptions = true,
        subcommands = {ClusterCreateCommand.class, ClusterDeleteCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning cluster create wuji --wait", "  provisioning cluster delete wuji --wait"})
public final class ClusterCommand {}
