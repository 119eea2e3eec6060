package dev.provisioning.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The training run of the CLI's start-up archive ({@code bin/provisioning} makes it with {@code -XX:AOTCacheOutput}
 * on JDK 25+; see cli/README.md, "Start-up"). It runs the common commands in one JVM, against a stub of the daemon
 * on a loopback port, so that the archive holds the classes, linked, that those commands load: picocli and the
 * command tree, the config loader, the HTTP client, Jackson and the API records, the table output. Nothing is
 * printed; exit 0 when every command exited as expected, 1 otherwise (the archive is then not used).
 */
public final class Training {
    private static final String WF = "00000000-0000-4000-8000-000000000001";
    private static final String TASK = "{\"id\":\"t1\",\"workflow_id\":\"" + WF + "\",\"key\":\"server.list\",\"state\":\"Completed\","
            + "\"priority\":\"normal\",\"attempt\":1,\"max_attempts\":1,\"progress\":100,\"progress_message\":\"done\","
            + "\"result\":[{\"name\":\"wuji\",\"provider\":\"local\",\"state\":\"running\",\"ip\":\"10.0.0.2\"}],"
            + "\"exit_code\":0,\"error\":null,\"stderr_tail\":\"\",\"depends_on\":[],\"created_at\":\"2025-01-01T00:00:00Z\","
            + "\"started_at\":\"2025-01-01T00:00:01Z\",\"finished_at\":\"2025-01-01T00:00:02Z\",\"attempt_base\":0}";
    private static final String WORKFLOW = "{\"id\":\"" + WF + "\",\"name\":\"server.list\",\"kind\":\"batch\",\"state\":\"Completed\","
            + "\"priority\":\"normal\",\"on_failure\":\"fail\",\"created_at\":\"2025-01-01T00:00:00Z\","
            + "\"updated_at\":\"2025-01-01T00:00:02Z\",\"finished_at\":\"2025-01-01T00:00:02Z\",\"task_counts\":{\"Completed\":1}";

    private Training() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("provisioning-cli-training");
        int failures = 0;
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serve(server), "training-stub");
            t.setDaemon(true);
            t.start();
            Path config = dir.resolve("config.toml");
            Files.writeString(config, "[orchestrator]\nauto_start = false\n[execution]\nfallback_to_direct = false\n");
            String[] base = {"--config", config.toString(), "--data-dir", dir.resolve("data").toString(),
                    "--endpoint", "http://127.0.0.1:" + server.getLocalPort()};
            failures += run(0, "--version");
            failures += run(0, base, "workflow", "status", WF);
            failures += run(0, base, "-o", "json", "workflow", "status", WF);
            failures += run(0, base, "server", "list", "--orchestrated");
            failures += run(0, base, "workflow", "list");
            failures += run(0, base, "version");
            failures += run(0, "workflow", "status", "--help");
            failures += run(ExitCode.USAGE, "sever", "list");
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int run(int expected, String... args) {
        return run(expected, new String[0], args);
    }

    private static int run(int expected, String[] base, String... rest) {
        String[] args = Stream.concat(Stream.of(base), Stream.of(rest)).toArray(String[]::new);
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        try {
            return Main.commandLine(none, none, args).execute(args) == expected ? 0 : 1;
        } catch (Throwable e) {
            return 1;
        }
    }

    /** The daemon's answers to the routes the commands above use; one request per connection. */
    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                if (line == null) continue;
                String[] req = line.split(" ");
                int length = 0;
                for (String h; (h = in.readLine()) != null && !h.isEmpty(); )
                    if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(h.substring(15).trim());
                in.skip(length);
                answer(s.getOutputStream(), req[0], req.length > 1 ? req[1] : "/");
            } catch (IOException | RuntimeException e) {
                // the next connection
            }
        }
    }

    private static void answer(OutputStream out, String method, String path) throws IOException {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String type = "application/json", body;
        int status = 200;
        if (p.equals("/health")) {
            body = "{\"status\":\"healthy\",\"version\":\"training\",\"storage\":\"ok\",\"running_tasks\":0,\"uptime_seconds\":1}";
        } else if (p.equals("/version")) {
            body = "{\"version\":\"" + Main.cliVersion() + "\",\"api_version\":\"v1\"}";
        } else if (method.equals("POST") && p.equals("/workflows/batch/submit")) {
            status = 202;
            body = "{\"workflow_id\":\"" + WF + "\",\"status\":\"Pending\",\"task_ids\":[\"t1\"]}";
        } else if (p.equals("/workflows")) {
            body = "{\"workflows\":[" + WORKFLOW + "}],\"limit\":50,\"offset\":0}";
        } else if (p.equals("/workflows/" + WF)) {
            body = WORKFLOW + ",\"tasks\":[" + TASK + "]}";
        } else if (p.equals("/workflows/" + WF + "/events")) {
            type = "text/event-stream";
            body = event(1, "task.state", "\"task_id\":\"t1\",\"from\":\"Pending\",\"to\":\"Running\"")
                    + event(2, "task.progress", "\"task_id\":\"t1\",\"data\":{\"percent\":50,\"message\":\"half\"}")
                    + event(3, "task.state", "\"task_id\":\"t1\",\"from\":\"Running\",\"to\":\"Completed\"")
                    + event(4, "workflow.state", "\"from\":\"Running\",\"to\":\"Completed\"");
        } else {
            status = 404;
            body = "{\"error\":{\"code\":\"E_NOT_FOUND\",\"message\":\"no such route\",\"where\":\"" + p + "\"}}";
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " X\r\nContent-Type: " + type + "\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    private static String event(long id, String type, String fields) {
        return "id: " + id + "\nevent: " + type + "\ndata: {\"id\":" + id + ",\"workflow_id\":\"" + WF + "\",\"type\":\"" + type
                + "\"," + fields + ",\"at\":\"2025-01-01T00:00:0" + id + "Z\"}\n\n";
    }
}
