package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code NAME [--infra I] [--provider P]} of {@code server create|delete|show}: the request {@code {infra, params: {name, provider?}}}. */
final class ServerOptions {
    @Parameters(index = "0", paramLabel = "NAME", description = "The server name (letters, digits, '.', '_', '-').")
    String name;

    @Option(names = "--infra", paramLabel = "INFRA", description = "The infrastructure it belongs to (default: NAME).")
    String infra;

    @Option(names = "--provider", paramLabel = "PROVIDER", description = "The provider (default: local).")
    String provider;

    /** The checked request; {@code params} (e.g. a spec from --param) go in before the name and provider. */
    ObjectNode request(ObjectNode params) {
        params.put("name", Params.name(name, "NAME"));
        OperationCommand.provider(params, provider);
        return OperationCommand.request(infra == null ? name : Params.name(infra, "--infra"), params);
    }

    String what() { return "server " + name; }
}
