package dev.provisioning.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the real command line with captured output; finds the real nu and repository root. */
public final class TestSupport {
    private TestSupport() {}

    public record Run(int code, String out, String err) {
        @Override
        public String toString() { return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    public static Run run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.commandLine(new PrintWriter(o, true), new PrintWriter(e, true)).execute(args);
        return new Run(code, o.toString(), e.toString());
    }

    /** The repository root (surefire sets provisioning.root from the parent POM). */
    public static Path root() {
        String r = System.getProperty("provisioning.root");
        return Path.of(r == null ? ".." : r).toAbsolutePath().normalize();
    }

    /** nu: $PROVISIONING_NUSHELL_BINARY, else nu on PATH, else the one npm put in tools/. */
    public static String nu() {
        String env = System.getenv("PROVISIONING_NUSHELL_BINARY");
        if (env != null && Files.isExecutable(Path.of(env))) return env;
        String path = System.getenv("PATH");
        if (path != null)
            for (String dir : path.split(":"))
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nu"))) return Path.of(dir, "nu").toString();
        Path local = root().resolve("tools/node_modules/@nushell/linux-x64/bin/nu");
        if (Files.isExecutable(local)) return local.toString();
        throw new IllegalStateException("no nu found: set PROVISIONING_NUSHELL_BINARY or run dist/libexec/ensure-nu");
    }

    /**
     * A config file for tests: the real nu, the daemon unreachable (port 1) and never auto-started.
     * {@code extra} is appended (TOML), e.g. a {@code [execution]} table.
     */
    public static Path config(Path dir, String nushellExtra, String extra) throws IOException {
        Path f = dir.resolve("config.toml");
        Files.writeString(f, "[nushell]\nbinary = \"" + nu() + "\"\n" + nushellExtra + "\n"
                + "[orchestrator]\nendpoint = \"http://127.0.0.1:1\"\nauto_start = false\ntimeout_seconds = 5\n" + extra);
        return f;
    }
}
