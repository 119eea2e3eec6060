package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.Main;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.ApiException;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.cli.client.UnreachableException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code provisioning version}: the CLI's version, the daemon's, and whether they speak the same API. */
@Command(name = "version",
        description = "Show the CLI's version, the orchestrator daemon's (GET /version; it is not started for "
                + "this) and whether the daemon's API version is one this CLI speaks.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning version", "  provisioning version --output json",
                "", "Exits 0 when the daemon is compatible or not running, 1 when its API version is",
                "one this CLI does not speak."})
public final class VersionCommand extends BaseCommand {
    /** The daemon API version this CLI is written against ({@code api_version} of {@code GET /version}). */
    public static final String API_VERSION = "v1";

    @Override
    public Integer call() {
        OrchestratorClient client = main().daemon().client();
        Api.Version daemon = null;
        String reason = null;
        try {
            daemon = client.version();
        } catch (UnreachableException e) {
            reason = "not running";
        } catch (ApiException e) {
            reason = "no answer to GET /version (" + e.code() + ")";
        }
        Boolean compatible = daemon == null ? null : API_VERSION.equals(daemon.apiVersion());
        if (json()) {
            ObjectNode o = OrchestratorClient.MAPPER.createObjectNode().put("cli", Main.cliVersion()).put("api", API_VERSION);
            ObjectNode d = o.putObject("daemon").put("endpoint", client.baseUrl()).put("running", daemon != null);
            if (daemon != null) d.put("version", daemon.version()).put("api", daemon.apiVersion());
            if (compatible == null) o.putNull("compatible"); else o.put("compatible", compatible);
            machine(o);
        } else {
            Map<String, String> kv = new LinkedHashMap<>();
            kv.put("cli", Main.cliVersion() + " (api " + API_VERSION + ")");
            kv.put("daemon", daemon == null ? reason + " at " + client.baseUrl()
                    : daemon.version() + " (api " + daemon.apiVersion() + ") at " + client.baseUrl());
            kv.put("compatible", compatible == null ? "unknown (no daemon)" : compatible ? "yes"
                    : "no: the daemon speaks api " + daemon.apiVersion() + ", this CLI " + API_VERSION);
            Output.keyValues(out(), kv);
        }
        if (Boolean.FALSE.equals(compatible))
            throw new CliException(ExitCode.FAILED, "E_INCOMPATIBLE", "the daemon at " + client.baseUrl() + " speaks api "
                    + daemon.apiVersion() + "; this CLI speaks " + API_VERSION + ": use a CLI and daemon of one release", "api_version");
        return ExitCode.OK;
    }
}
