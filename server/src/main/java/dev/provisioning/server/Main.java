package dev.provisioning.server;

import dev.provisioning.core.config.Config;
import dev.provisioning.core.config.ConfigLoader;
import dev.provisioning.core.error.ProvisioningException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provisioning-orchestrator}: runs the daemon in the foreground until SIGTERM/SIGINT. */
@Command(name = "provisioning-orchestrator", mixinStandardHelpOptions = true, version = "provisioning-orchestrator 0.1.0",
        description = "Runs the provisioning orchestrator daemon in the foreground.",
        footer = {"", "Examples:", "  provisioning-orchestrator", "  provisioning-orchestrator --port 0 --data-dir /tmp/prov",
                "", "Exit codes: 0 stopped cleanly, 2 bad flag or config, 1 failed to start."})
public final class Main implements Callable<Integer> {
    @Option(names = "--port", description = "TCP port (0 = any free port)") Integer port;
    @Option(names = "--host", description = "address to bind (default 127.0.0.1)") String host;
    @Option(names = "--data-dir", description = "data directory (database, token, runs)") Path dataDir;
    @Option(names = "--config", description = "extra config file, applied after /etc and ~/.config") Path configFile;

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        if (port != null) flags.put("server.port", port.toString());
        if (host != null) flags.put("server.host", host);
        if (dataDir != null) flags.put("storage.data_dir", dataDir.toAbsolutePath().toString());
        Config config;
        try {
            config = ConfigLoader.load(ConfigLoader.standardSources(configFile, flags, installRoot()));
        } catch (ProvisioningException e) {
            System.err.println("error[" + e.code().code() + "]: " + e.getMessage());
            return 2;
        }
        Daemon daemon;
        try {
            daemon = new Daemon(config, Clock.systemUTC()).start();
        } catch (ProvisioningException e) {
            System.err.println("error[" + e.code().code() + "]: " + e.getMessage());
            return e.code().httpStatus() == 500 && e.code().code().equals("E_CONFIG_INVALID") ? 2 : 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }

    static Path installRoot() {
        String home = System.getProperty("provisioning.home");
        return Path.of(home == null ? "." : home).toAbsolutePath().normalize();
    }
}
