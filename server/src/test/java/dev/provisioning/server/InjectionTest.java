package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile payloads through every field of a request that reaches a process: task args (values and keys, nested),
 * workflow names, task ids, for_each items, script and command argv, module paths, function names, script paths,
 * config env values, and the logs route's parameters. A real daemon on loopback runs real {@code nu}: each payload
 * either reaches the task byte for byte as data, or is rejected with a 400 naming the task and field, and nothing
 * is stored. Every payload would {@code touch} a file in a fresh marker dir (or delete the victim dir) if it ever ran
 * as code; the marker dir stays empty and the victim stays.
 */
class InjectionTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;
    static Path victim;
    /** The config's env_vars, by name. */
    static final Map<String, String> ENV = new HashMap<>();
    Path markers;

    /** A 50 KB argument: long, yet under the OS limit for one argument or environment string (128 KiB). */
    static final String LONG = "A".repeat(50_000);

    @BeforeAll
    static void start() throws IOException {
        victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("keep"), "keep");
        // a lib dir whose files are symlinks to code outside every lib dir
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("evil.nu"), "export def run [req: record] { touch " + tmp.resolve("outside-ran") + "; {} }\n");
        Path lib2 = Files.createDirectories(tmp.resolve("lib2/esc"));
        Files.createSymbolicLink(lib2.resolve("evil.nu"), outside.resolve("evil.nu"));
        Files.createSymbolicLink(tmp.resolve("lib2/up"), outside);

        List<String> envPayloads = payloads(Files.createDirectories(tmp.resolve("env-markers")), false);
        StringBuilder toml = new StringBuilder("[nushell]\nenv_vars = { ");
        for (int i = 0; i < envPayloads.size(); i++) {
            ENV.put("INJ_" + i, envPayloads.get(i));
            toml.append(i == 0 ? "" : ", ").append("INJ_").append(i).append(" = ").append(tomlString(envPayloads.get(i)));
        }
        toml.append(" }\n");
        Path config = tmp.resolve("config.toml");
        Files.writeString(config, toml);

        String libs = TestDaemon.ROOT.resolve("nulib") + ":" + Path.of("src/test/resources/testlib").toAbsolutePath() + ":" + tmp.resolve("lib2");
        d = new TestDaemon(tmp.resolve("data"), Map.of("nushell.provisioning_lib", libs,
                "executor.max_concurrent_tasks", "4", "server.write_rate_per_second", "0"), config);
    }

    @AfterAll
    static void stop() {
        if (d != null) d.close();
    }

    @BeforeEach
    void freshMarkerDir() throws IOException {
        markers = Files.createTempDirectory(tmp, "markers-");
    }

    @AfterEach
    void nothingRanAsCode() throws IOException {
        try (Stream<Path> s = Files.list(markers)) {
            assertThat(s.toList()).as("marker files: a payload ran as code").isEmpty();
        }
        assertThat(victim.resolve("keep")).as("a payload deleted the victim dir").exists();
        assertThat(tmp.resolve("outside-ran")).doesNotExist();
        try (Stream<Path> s = Files.list(tmp.resolve("env-markers"))) {
            assertThat(s.toList()).as("marker files: a config env value ran as code").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------- the payloads

    /**
     * Payloads that would create {@code <m>/pwned-N} (or delete the victim) if a shell or Nushell ran them. With
     * {@code nul}, one holding a NUL too (only JSON-carried fields can: no process argument or environment string can).
     */
    static List<String> payloads(Path m, boolean nul) {
        String t = "touch " + m + "/pwned-";
        List<String> p = new ArrayList<>(List.of(
                "'; rm -rf " + victim + "; " + t + "1 #",
                "$(" + t + "2)",
                "`" + t + "3`",
                "\"; " + t + "4; \"",
                "x\n" + t + "5\nrm -rf " + victim + "\n",
                "^" + t + "6",
                "$\"(" + t + "7)\"",
                "(do { " + t + "8 })",
                "\\\"; " + t + "9 #\\",
                "x | " + t + "10 | ignore",
                "-x;" + t + "11",
                "$(touch${IFS}" + m + "/pwned-12)",
                "'(^touch " + m + "/pwned-13)'",
                "../../etc/passwd",
                "/etc/passwd",
                "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "ünïcødé ✓ 🚀 \u202Eevil\u202C \uFEFF\u200D ；" + t + "17 \u0085\u2028",
                "{item}",
                "\r\n\t \u001b[31m $env.HOME ~ * ? [a] {b} #",
                LONG + "$(" + t + "20)"));
        if (nul) p.add("a\u0000b; " + t + "21");
        return p;
    }

    /** Script argv entries that Nushell would parse as code: they must be rejected. */
    List<String> scriptFlagPayloads() {
        String t = "touch " + markers + "/pwned-";
        return List.of("--;" + t + "f1", "--help; " + t + "f2", "-- ; " + t + "f3", "--x\n" + t + "f4", "--x | " + t + "f5",
                "--a(" + t + "f6)=1");
    }

    // ---------------------------------------------------------------------------------------------- accepted as data

    @Test
    void nuArgsValuesAndKeysArriveByteForByte() {
        List<String> all = payloads(markers, true);
        ObjectNode args = Json.MAPPER.createObjectNode();
        ArrayNode values = args.putArray("values");
        ObjectNode keys = args.putObject("keys");
        ObjectNode deep = args.putObject("nested").putArray("list").addObject();
        for (String p : all) {
            if (p.startsWith(LONG)) continue; // the long one only once: a task's args stay under the OS limit of 128 KiB
            values.add(p);
            keys.put(p, p);
            deep.putArray(p).addObject().put(p, p);
        }
        args.put("long", all.stream().filter(p -> p.startsWith(LONG)).findFirst().orElseThrow());
        args.put("", "empty key").putNull("null").put("true", true).put("n", -7);

        JsonNode wf = awaitDone(submit(doc("nu-args", task("e", "test/inject.nu", "echo-b64", args))));
        assertThat(answer(only(wf, "e"))).isEqualTo(args);
    }

    @Test
    void workflowNamesAreStoredAsDataAndANulIsRefused() {
        // PostgreSQL cannot store a NUL in text, so no store accepts one
        ObjectNode nul = doc("a\u0000b", Json.MAPPER.createObjectNode().put("id", "t"));
        ((ObjectNode) nul.get("task").get(0)).putArray("command").add("true");
        assertRejected(d.post("/workflows/batch/submit", Json.write(nul)), "E_INVALID_WORKFLOW", "workflow.name: must not contain NUL");

        List<String> ids = new ArrayList<>();
        List<String> names = payloads(markers, false);
        for (String name : names) {
            ObjectNode doc = doc(name, Json.MAPPER.createObjectNode().put("id", "t"));
            ((ObjectNode) doc.get("task").get(0)).putArray("command").add("true");
            ids.add(submit(doc));
        }
        for (int i = 0; i < ids.size(); i++) {
            JsonNode wf = awaitDone(ids.get(i));
            assertThat(wf.get("name").asText()).isEqualTo(names.get(i));
            assertThat(wf.get("state").asText()).isEqualTo("Completed");
        }
    }

    @Test
    void forEachItemsReachNuScriptAndCommandAsData() throws IOException {
        List<String> all = payloads(markers, true);
        List<String> argvSafe = payloads(markers, false);
        ObjectNode objectItem = Json.MAPPER.createObjectNode();
        objectItem.put(all.get(1), all.get(2)).putArray(all.get(3)).add(all.get(4));

        ObjectNode n = task("n", "test/inject.nu", "echo-b64", null);
        ArrayNode nItems = n.putArray("for_each");
        all.forEach(nItems::add);
        nItems.add(objectItem).add("web-1");

        ObjectNode s = Json.MAPPER.createObjectNode().put("id", "s").put("script", "test/argv.nu");
        s.putArray("argv").add("{item}").add("fixed");
        ArrayNode sItems = s.putArray("for_each");
        argvSafe.forEach(sItems::add);

        ObjectNode c = Json.MAPPER.createObjectNode().put("id", "c");
        c.set("command", argvRecorder("{item}"));
        ArrayNode cItems = c.putArray("for_each");
        argvSafe.forEach(cItems::add);
        cItems.add(objectItem);

        JsonNode wf = awaitDone(submit(doc("fan-out", n, s, c)));
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("Completed");
        Map<String, JsonNode> byKey = byKey(wf);
        // a hostile item never becomes part of a task key: it is numbered; a plain name is used as it is
        for (int j = 0; j < all.size(); j++)
            assertThat(answer(byKey.get("n-" + (j + 1))).get("item").asText()).isEqualTo(all.get(j));
        assertThat(answer(byKey.get("n-" + (all.size() + 1))).get("item")).isEqualTo(objectItem);
        assertThat(answer(byKey.get("n-web-1")).get("item").asText()).isEqualTo("web-1");
        assertThat(byKey).hasSize(all.size() + 2 + argvSafe.size() * 2 + 1);
        for (int j = 0; j < argvSafe.size(); j++) {
            assertThat(byKey.get("s-" + (j + 1)).get("result").get("argv")).isEqualTo(Json.MAPPER.valueToTree(List.of(argvSafe.get(j), "fixed")));
            assertThat(recordedArgv(byKey.get("c-" + (j + 1)))).containsExactly(argvSafe.get(j));
        }
        assertThat(recordedArgv(byKey.get("c-" + (argvSafe.size() + 1)))).containsExactly(objectItem.toString());
    }

    @Test
    void scriptAndCommandArgvArriveByteForByte() throws IOException {
        List<String> argv = new ArrayList<>(payloads(markers, false));
        argv.addAll(List.of("--plain-flag", "--to=x; " + "touch " + markers + "/pwned-eq", "--=$(touch " + markers + "/pwned-eq2)"));
        ObjectNode s = Json.MAPPER.createObjectNode().put("id", "s").put("script", "test/argv.nu");
        s.set("argv", Json.MAPPER.valueToTree(argv.subList(0, argv.size() - 3))); // argv.nu declares no flags
        ObjectNode c = Json.MAPPER.createObjectNode().put("id", "c");
        c.set("command", argvRecorder(argv.toArray(String[]::new)));
        JsonNode wf = awaitDone(submit(doc("argv", s, c)));
        assertThat(wf.get("state").asText()).as(wf.toString()).isEqualTo("Completed");
        assertThat(only(wf, "s").get("result").get("argv")).isEqualTo(Json.MAPPER.valueToTree(argv.subList(0, argv.size() - 3)));
        assertThat(recordedArgv(only(wf, "c"))).containsExactlyElementsOf(argv);
    }

    @Test
    void aHostileProgramNameIsExecutedByNameOnlyAndFails() {
        List<String> names = payloads(markers, false).subList(0, 13);
        ObjectNode[] tasks = new ObjectNode[names.size()];
        for (int i = 0; i < names.size(); i++) {
            tasks[i] = Json.MAPPER.createObjectNode().put("id", "p" + i);
            tasks[i].putArray("command").add(names.get(i)).add("arg");
        }
        ObjectNode doc = doc("argv0", tasks);
        ((ObjectNode) doc.get("workflow")).put("on_failure", "continue");
        JsonNode wf = awaitDone(submit(doc));
        for (JsonNode t : wf.get("tasks")) {
            assertThat(t.get("state").asText()).as(t.toString()).isEqualTo("Failed");
            assertThat(t.get("exit_code").asInt()).as(t.toString()).isEqualTo(127); // not found: never run by a shell
        }
    }

    @Test
    void configEnvValuesReachTasksAsData() {
        ObjectNode args = Json.MAPPER.createObjectNode();
        ArrayNode names = args.putArray("names");
        ENV.keySet().stream().sorted().forEach(names::add);
        JsonNode wf = awaitDone(submit(doc("env", task("e", "test/inject.nu", "env-of", args))));
        JsonNode env = answer(only(wf, "e"));
        assertThat(env).hasSize(ENV.size());
        for (JsonNode e : env)
            assertThat(e.get("value").asText()).as(e.get("name").asText()).isEqualTo(ENV.get(e.get("name").asText()));
    }

    // ---------------------------------------------------------------------------------------------- rejected

    @ParameterizedTest
    @ValueSource(strings = {"module", "function", "script", "rollback.module", "rollback.function", "rollback.script"})
    void hostileModulePathsFunctionNamesAndScriptPathsAreRejected(String field) {
        List<String> hostile = new ArrayList<>(payloads(markers, true));
        hostile.addAll(List.of("test/../../../../etc/passwd.nu", "/etc/passwd", tmp.resolve("outside/evil.nu").toString(),
                "test/tasks.nu/../../../outside/evil.nu", "test%2f..%2f..%2ftasks.nu", "test//tasks.nu", ".%2e/.%2e/x.nu",
                "esc/evil.nu", "up/evil.nu", "test/tasks.nu\u0000.nu", "echo; touch " + markers + "/pwned-fn", "echo'", "ec ho",
                "échø"));
        int before = workflowCount();
        for (String p : hostile) {
            boolean rollback = field.startsWith("rollback.");
            String f = rollback ? field.substring(9) : field;
            ObjectNode action = Json.MAPPER.createObjectNode();
            switch (f) {
                case "module" -> action.put("module", p).put("function", "run");
                case "function" -> action.put("module", "test/tasks.nu").put("function", p);
                default -> action.put("script", p);
            }
            ObjectNode t = Json.MAPPER.createObjectNode().put("id", "inj");
            if (rollback) {
                t.put("module", "test/tasks.nu").put("function", "echo");
                t.set("rollback", action);
            } else t.setAll(action);
            HttpResponse<String> r = d.post("/workflows/batch/submit", Json.write(doc("rejected", t)));
            String mentions = f.equals("function") ? "function name" : f.equals("module") ? "module" : "script";
            JsonNode err = assertRejected(r, "E_INVALID_WORKFLOW", "task 'inj'" + (rollback ? ": rollback" : ""));
            assertThat(err.get("message").asText()).as(p).contains(mentions);
        }
        assertThat(workflowCount()).isEqualTo(before);
    }

    @Test
    void hostileTaskIdsAndDependenciesAreRejected() {
        int before = workflowCount();
        for (String p : payloads(markers, true)) {
            ObjectNode bad = Json.MAPPER.createObjectNode().put("id", p);
            bad.putArray("command").add("true");
            assertRejected(d.post("/workflows/batch/submit", Json.write(doc("id", bad))), "E_INVALID_WORKFLOW", "task[0]: id: must match");

            ObjectNode dep = Json.MAPPER.createObjectNode().put("id", "a");
            dep.putArray("command").add("true");
            dep.putArray("depends_on").add(p);
            JsonNode err = assertRejected(d.post("/workflows/batch/submit", Json.write(doc("dep", dep))), "E_INVALID_WORKFLOW", "task 'a'");
            assertThat(err.get("message").asText()).contains("depends_on: unknown task");
        }
        assertThat(workflowCount()).isEqualTo(before);
    }

    @Test
    void argvThatCannotStayDataIsRejected() {
        int before = workflowCount();
        List<String> bad = new ArrayList<>(scriptFlagPayloads());
        bad.add("a\u0000b; touch " + markers + "/pwned-nul");
        for (String p : bad) {
            // directly in a script's argv
            ObjectNode s = Json.MAPPER.createObjectNode().put("id", "s").put("script", "test/argv.nu");
            s.putArray("argv").add("ok").add(p);
            JsonNode err = assertRejected(d.post("/workflows/batch/submit", Json.write(doc("s", s))), "E_INVALID_WORKFLOW", "task 's': argv[1]");
            assertThat(err.get("message").asText()).contains(p.contains("\0") ? "NUL" : "not a plain flag");
            // as a for_each item substituted into {item}, after an item that is fine (each expansion is checked)
            ObjectNode fe = Json.MAPPER.createObjectNode().put("id", "fe").put("script", "test/argv.nu");
            fe.putArray("argv").add("{item}");
            fe.putArray("for_each").add("fine").add(p);
            assertRejected(d.post("/workflows/batch/submit", Json.write(doc("fe", fe))), "E_INVALID_WORKFLOW", "task 'fe': argv[0]");
            // in a rollback script
            ObjectNode rb = task("rb", "test/tasks.nu", "echo", null);
            rb.putObject("rollback").put("script", "test/argv.nu").putArray("argv").add(p);
            assertRejected(d.post("/workflows/batch/submit", Json.write(doc("rb", rb))), "E_INVALID_WORKFLOW", "task 'rb': rollback");
        }
        // a command's argv may hold anything but a NUL
        ObjectNode c = Json.MAPPER.createObjectNode().put("id", "c");
        c.putArray("command").add("printf").add("a\u0000b");
        assertRejected(d.post("/workflows/batch/submit", Json.write(doc("c", c))), "E_INVALID_WORKFLOW", "task 'c': command[1]");
        ObjectNode cfe = Json.MAPPER.createObjectNode().put("id", "cfe");
        cfe.putArray("command").add("printf").add("{item}");
        cfe.putArray("for_each").add("fine").add("x\u0000y");
        assertRejected(d.post("/workflows/batch/submit", Json.write(doc("cfe", cfe))), "E_INVALID_WORKFLOW", "task 'cfe': command[1]");
        assertThat(workflowCount()).isEqualTo(before);
    }

    @Test
    void logsRouteTakesNoPathFromTheRequest() {
        ObjectNode c = Json.MAPPER.createObjectNode().put("id", "c");
        c.putArray("command").add("true");
        String taskId = only(awaitDone(submit(doc("logs", c))), "c").get("id").asText();
        assertThat(d.get("/tasks/" + taskId + "/logs?stream=stdout").statusCode()).isEqualTo(200);

        List<String> paths = new ArrayList<>(List.of("../../etc/passwd", "/etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "stdout/../../../../etc/passwd", "stdout\u0000", "stdout.log", "result.json", "pid", "exit", "STDOUT", "stdout ",
                "..", "."));
        for (String p : paths) {
            String q = URLEncoder.encode(p, StandardCharsets.UTF_8);
            JsonNode err = assertRejected(d.get("/tasks/" + taskId + "/logs?stream=" + q), "E_INVALID_VALUE", "query.stream");
            assertThat(err.get("message").asText()).contains("stdout or stderr");
            assertRejected(d.get("/tasks/" + taskId + "/logs?attempt=" + q), "E_INVALID_VALUE", "query.attempt");
            assertRejected(d.get("/tasks/" + taskId + "/logs?offset=" + q), "E_INVALID_VALUE", "query.offset");
        }
        for (String a : List.of("0", "-1", "1e3", "0x1", "99999999999", "1;2", "1/../2"))
            assertRejected(d.get("/tasks/" + taskId + "/logs?attempt=" + URLEncoder.encode(a, StandardCharsets.UTF_8)),
                    "E_INVALID_VALUE", "query.attempt");
        assertThat(d.get("/tasks/" + taskId + "/logs?attempt=2").statusCode()).isEqualTo(404);

        // a task id path segment that is a path: a task that does not exist, never a file
        for (String raw : List.of("/tasks/..%2f..%2fetc/logs", "/tasks/..%2F..%2F..%2F..%2Fetc%2Fpasswd/logs",
                "/tasks/%2e%2e%2f%2e%2e%2fetc%2fpasswd/logs", "/tasks/%2e%2e/logs", "/tasks/" + taskId + "%2f..%2f..%2fetc/logs",
                "/tasks/..%5c..%5cetc/logs", "/tasks/%00/logs", "/tasks/../../etc/passwd", "/tasks/" + taskId + "/../../../etc/passwd")) {
            HttpResponse<String> r = d.send(HttpRequest.newBuilder(URI.create(d.url(raw))).GET().build());
            // 400 or 404 (an encoded '/' that matches no route is Helidon's NotFoundException: 404 E_NOT_FOUND)
            assertThat(r.statusCode()).as(raw + ": " + r.body()).isIn(400, 404);
            assertThat(r.body()).as(raw).containsAnyOf("E_NOT_FOUND", "E_BAD_REQUEST", "E_INVALID_VALUE");
            assertThat(r.body()).as(raw).doesNotContain("root:");
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** A command that writes its arguments, each ended by a NUL, to {@code argv.bin} in its run dir: byte for byte. */
    static ArrayNode argvRecorder(String... args) {
        ArrayNode a = Json.MAPPER.createArrayNode().add("/bin/sh").add("-c")
                .add("for a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$PROVISIONING_RUN_DIR/argv.bin\"").add("recorder");
        for (String s : args) a.add(s);
        return a;
    }

    /** What an inject.nu fixture answered: its result's base64 of {@code to json -r}. */
    static JsonNode answer(JsonNode task) {
        assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("Completed");
        return Json.read(new String(java.util.Base64.getDecoder().decode(task.get("result").get("b64").asText()), StandardCharsets.UTF_8));
    }

    static List<String> recordedArgv(JsonNode task) throws IOException {
        assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("Completed");
        JsonNode attempt = TestDaemon.json(d.get("/tasks/" + task.get("id").asText() + "/attempts")).get("attempts").get(0);
        byte[] b = Files.readAllBytes(Path.of(attempt.get("run_dir").asText()).resolve("argv.bin"));
        String s = new String(b, StandardCharsets.UTF_8);
        assertThat(s).endsWith("\0");
        return Arrays.asList(s.substring(0, s.length() - 1).split("\0", -1));
    }

    static ObjectNode task(String id, String module, String function, ObjectNode args) {
        ObjectNode t = Json.MAPPER.createObjectNode().put("id", id).put("module", module).put("function", function);
        if (args != null) t.set("args", args);
        return t;
    }

    static ObjectNode doc(String name, ObjectNode... tasks) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.putObject("workflow").put("name", name);
        ArrayNode arr = doc.putArray("task");
        for (ObjectNode t : tasks) arr.add(t);
        return doc;
    }

    static String submit(JsonNode doc) {
        HttpResponse<String> r = d.post("/workflows/batch/submit", Json.write(doc));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return TestDaemon.json(r).get("workflow_id").asText();
    }

    static JsonNode awaitDone(String workflowId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(50)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = TestDaemon.json(d.get("/workflows/" + workflowId));
            return List.of("Completed", "Failed", "Cancelled").contains(last[0].get("state").asText());
        });
        return last[0];
    }

    static Map<String, JsonNode> byKey(JsonNode wf) {
        Map<String, JsonNode> m = new HashMap<>();
        wf.get("tasks").forEach(t -> m.put(t.get("key").asText(), t));
        return m;
    }

    static JsonNode only(JsonNode wf, String key) {
        return byKey(wf).get(key);
    }

    static int workflowCount() {
        return TestDaemon.json(d.get("/workflows?limit=1000")).get("workflows").size();
    }

    /** A 400 with {@code code}, whose message (or first detail) contains {@code mentions}; answers the error object. */
    static JsonNode assertRejected(HttpResponse<String> r, String code, String mentions) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode err = TestDaemon.json(r).get("error");
        assertThat(err.get("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(err.get("message").asText() + " " + err.path("where").asText()).as(r.body()).contains(mentions);
        return err;
    }

    /** A TOML basic string: quotes and backslashes escaped, control characters as \\uXXXX. */
    static String tomlString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20 || ch == 0x7f) b.append(String.format("\\u%04X", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }
}
