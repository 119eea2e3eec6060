package dev.provisioning.cli.commands;

import static dev.provisioning.cli.TestSupport.run;

import dev.provisioning.cli.TestSupport;
import dev.provisioning.cli.TestSupport.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Command-line tests against a {@link FakeDaemon} on loopback: a fresh daemon, config and data dir per test. */
abstract class FakeDaemonCommandTest {
    static final String TOML = "[workflow]\nname = \"cluster\"\n\n[[task]]\nid = \"server-cp-1\"\ncommand = [\"true\"]\n";

    @TempDir
    Path tmp;
    FakeDaemon daemon;
    Path cfg;

    @BeforeEach
    void startDaemon() throws Exception {
        daemon = new FakeDaemon();
        cfg = TestSupport.config(tmp, "", "");
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
    }

    /** Runs the real command line with this test's config, data dir and the fake daemon's endpoint appended. */
    Run cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--config", cfg.toString(), "--data-dir", tmp.resolve("data").toString(), "--endpoint", daemon.base));
        return run(a.toArray(String[]::new));
    }
}
