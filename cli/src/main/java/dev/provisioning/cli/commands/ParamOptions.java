package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Repeatable {@code --param KEY=VALUE}, typed by {@link Params#object}. */
final class ParamOptions {
    @Option(names = "--param", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A parameter, repeatable. true, false, integers and JSON ({...}, [...], \"...\") are typed; anything else is a string.")
    Map<String, String> params = new LinkedHashMap<>();

    /** The parameters as JSON; {@code reserved} keys are the command's own and refused. */
    ObjectNode object(String... reserved) { return Params.object(params, reserved); }
}
