package dev.provisioning.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.config.Config;
import dev.provisioning.core.config.ConfigLoader;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real daemon on a random loopback port, with a temporary data dir, the real nulib and real nu. */
final class TestDaemon implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("provisioning.root", "..")).toAbsolutePath().normalize();

    final Path dataDir;
    final Daemon daemon;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestDaemon(Path dataDir, Map<String, String> extraFlags) {
        this(dataDir, extraFlags, null);
    }

    TestDaemon(Path dataDir, Map<String, String> extraFlags, Path configFile) {
        this(dataDir, extraFlags, configFile, ds -> ds);
    }

    /** With the store's transactions going through {@code storeWrap} (fault injection). */
    TestDaemon(Path dataDir, Map<String, String> extraFlags, Path configFile, java.util.function.UnaryOperator<javax.sql.DataSource> storeWrap) {
        this.dataDir = dataDir;
        Map<String, String> flags = new HashMap<>();
        flags.put("server.port", "0");
        flags.put("storage.data_dir", dataDir.toString());
        flags.put("nushell.binary", nu());
        flags.putAll(extraFlags);
        Config config = ConfigLoader.load(new ConfigLoader.Sources(List.of(), configFile == null ? List.of() : List.of(configFile),
                Map.of(), flags, ROOT));
        this.daemon = new Daemon(config, Clock.systemUTC(), storeWrap).start();
    }

    static String nu() {
        String env = System.getenv("PROVISIONING_NUSHELL_BINARY");
        if (env != null && Files.isExecutable(Path.of(env))) return env;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "nu");
            if (Files.isExecutable(p)) return p.toString();
        }
        return ROOT.resolve("tools/node_modules/@nushell/linux-x64/bin/nu").toString();
    }

    String url(String path) {
        return "http://127.0.0.1:" + daemon.port() + path;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).GET().build());
    }

    HttpResponse<String> post(String path, String body) {
        return post(path, body, daemon.token());
    }

    HttpResponse<String> post(String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest req) {
        return send(req, HttpResponse.BodyHandlers.ofString());
    }

    <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(req, handler);
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        return Json.read(r.body());
    }

    @Override
    public void close() {
        daemon.close();
    }
}
