package dev.provisioning.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.core.config.Config;
import dev.provisioning.core.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code provisioning env}: the resolved config, every key with the layer that set it. */
@Command(name = "env",
        description = "Print the resolved configuration: every key, its value and where the value came from (the "
                + "shipped defaults, a config file, a PROVISIONING_* variable or a flag), then the config files "
                + "in the order they are layered. An empty storage.data_dir or nushell.provisioning_lib is shown "
                + "with the directory it resolves to. Passwords are masked.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning env", "  provisioning env --config ./dev.toml --output json",
                "  PROVISIONING_SERVER_PORT=9191 provisioning env",
                "", "Exits 2 when the config is invalid (the file, key and reason are printed)."})
public final class EnvCommand extends BaseCommand {
    private static final String MASK = "********";

    @Override
    public Integer call() {
        ConfigLoader.Sources src = main().configSources();
        ConfigLoader.Explained x = ConfigLoader.explain(src);
        List<String[]> rows = new ArrayList<>();
        x.sources().forEach((key, source) -> rows.add(new String[] {key, shown(key, x), source}));
        List<String[]> layers = layers(src);
        if (json()) {
            ObjectNode o = OrchestratorClient.MAPPER.createObjectNode();
            ObjectNode values = o.putObject("values");
            for (String[] r : rows) values.putObject(r[0]).put("value", r[1]).put("source", r[2]);
            var arr = o.putArray("layers");
            for (String[] l : layers) arr.addObject().put("layer", l[0]).put("status", l[1]);
            machine(o);
            return ExitCode.OK;
        }
        Output.table(out(), List.of("KEY", "VALUE", "SOURCE"), rows.stream().map(List::of).toList());
        out().println();
        out().println("layers, each overriding the one before:");
        for (String[] l : layers) out().println("  " + l[0] + (l[1].isEmpty() ? "" : "  (" + l[1] + ")"));
        return ExitCode.OK;
    }

    /** The value as text; resolved for the keys whose empty value means a default dir; passwords masked. */
    private static String shown(String key, ConfigLoader.Explained x) {
        int dot = key.indexOf('.');
        JsonNode v = x.values().path(key.substring(0, dot)).path(key.substring(dot + 1));
        String text = v.isTextual() ? v.asText() : v.toString();
        Config c = x.config();
        if (key.endsWith("password") && !text.isEmpty()) return MASK;
        if (key.equals("storage.data_dir") && text.isEmpty()) return c.storage().dataDir() + " (default)";
        if (key.equals("nushell.provisioning_lib") && text.isEmpty())
            return c.nushell().libDirs().stream().map(Path::toString).collect(Collectors.joining(":")) + " (default)";
        return text;
    }

    private static List<String[]> layers(ConfigLoader.Sources src) {
        List<String[]> out = new ArrayList<>();
        out.add(new String[] {ConfigLoader.DEFAULTS_SOURCE, ""});
        for (Path f : src.optionalFiles()) out.add(new String[] {f.toString(), Files.isRegularFile(f) ? "" : "absent"});
        for (Path f : src.requiredFiles()) out.add(new String[] {f.toString(), "--config"});
        long vars = src.env().keySet().stream().filter(k -> k.startsWith("PROVISIONING_")).count();
        out.add(new String[] {"environment PROVISIONING_*", vars + " set"});
        Map<String, String> flags = src.flags();
        out.add(new String[] {"flags", flags.isEmpty() ? "none" : String.join(", ", flags.keySet())});
        return out;
    }
}
