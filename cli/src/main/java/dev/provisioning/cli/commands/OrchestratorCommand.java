package dev.provisioning.cli.commands;

import picocli.CommandLine.Command;

/** {@code provisioning orchestrator start|stop|status}. */
@Command(name = "orchestrator",
        description = "Start, stop and inspect the orchestrator daemon of the data dir.",
        mixinStandardHelpOptions = true,
        subcommands = {OrchestratorStartCommand.class, OrchestratorStopCommand.class, OrchestratorStatusCommand.class,
                OrchestratorLogsCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning orchestrator start", "  provisioning orchestrator status --json",
                "  provisioning --data-dir /tmp/prov orchestrator stop"})
public final class OrchestratorCommand {}
