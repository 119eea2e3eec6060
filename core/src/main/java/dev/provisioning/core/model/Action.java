package dev.provisioning.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What a task runs. None of the kinds splices user values into code: a {@link Nu} action passes its args as
 * JSON in {@code PROVISIONING_PARAMS}, a {@link Script} and a {@link Command} get plain argv.
 * Serialized as JSON by {@link Actions}.
 */
public sealed interface Action permits Action.Nu, Action.Script, Action.Command {

    String kind();

    /** {@code use <module> *; <function> $params}. {@code module} is relative to a lib dir. */
    record Nu(String module, String function, JsonNode args) implements Action {
        public String kind() { return "nu"; }
    }

    /** {@code nu <path> argv...}; {@code path} is relative to a lib dir. */
    record Script(String path, List<String> argv) implements Action {
        public Script { argv = List.copyOf(argv); }
        public String kind() { return "script"; }
    }

    /** A plain argv, started with no shell. */
    record Command(List<String> argv) implements Action {
        public Command { argv = List.copyOf(argv); }
        public String kind() { return "command"; }
    }
}
