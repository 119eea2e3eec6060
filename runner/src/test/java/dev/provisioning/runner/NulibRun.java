package dev.provisioning.runner;

import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.port.Runner.AttemptSpec;
import dev.provisioning.runner.TestSupport.Recorder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs nulib functions as real {@code nu} task attempts through the {@link ProcessRunner}, with the state under
 * {@code dataDir}. Every call is a new task (its own idempotency key) unless a key is given.
 */
final class NulibRun implements AutoCloseable {
    final Path dataDir;
    final ProcessRunner runner;
    int seq;

    NulibRun(Path dataDir, Path... extraLibDirs) {
        this.dataDir = dataDir;
        List<Path> libs = new ArrayList<>(List.of(extraLibDirs));
        libs.add(TestSupport.nulib());
        runner = new ProcessRunner(new RunnerSettings(TestSupport.nu(), libs, Map.of(), Duration.ofSeconds(1),
                "http://127.0.0.1:9", "t", dataDir));
    }

    AttemptExit run(String module, String function, String reqJson, String key, Recorder rec) {
        int n = ++seq;
        Path runDir = dataDir.resolve("runs/wf/" + function + "/" + n);
        runner.start(new AttemptSpec("wf", function + "-" + n, 1, new Action.Nu(module, function, Json.read(reqJson)),
                key, null, null, Duration.ofSeconds(60), runDir), rec);
        return rec.awaitExit(Duration.ofSeconds(60));
    }

    AttemptExit run(String module, String function, String reqJson, Recorder rec) {
        return run(module, function, reqJson, "key-" + (seq + 1), rec);
    }

    AttemptExit run(String module, String function, String reqJson) {
        return run(module, function, reqJson, new Recorder());
    }

    /** Like {@link #run}, and fails with the stderr tail unless the attempt succeeded. */
    AttemptExit ok(String module, String function, String reqJson) {
        AttemptExit e = run(module, function, reqJson);
        if (!e.succeeded()) throw new AssertionError(module + " " + function + " " + reqJson + " failed:\n" + e.stderrTail());
        return e;
    }

    /** The attempt's stderr tail with Nushell's error wrapping undone ("\n  | " between the parts of one message). */
    static String err(AttemptExit e) {
        return e.stderrTail().replaceAll("\\s*\\n\\s*\\|\\s*", " ");
    }

    @Override
    public void close() {
        runner.close();
    }
}
