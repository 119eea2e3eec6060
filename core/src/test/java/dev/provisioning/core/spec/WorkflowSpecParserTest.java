package dev.provisioning.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.DependencyKind;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.NewTask;
import dev.provisioning.core.model.NewTask.Dependency;
import dev.provisioning.core.model.NewWorkflow;
import dev.provisioning.core.model.Priority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowSpecParserTest {
    private static final String SRC = "cluster.toml";
    private static final WorkflowSpecParser.Defaults DEFAULTS = new WorkflowSpecParser.Defaults(Duration.ofMinutes(20), 2);

    @TempDir Path tmp;
    WorkflowSpecParser parser;

    @BeforeEach
    void setUp() throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("nulib"));
        Files.createDirectories(lib.resolve("servers"));
        Files.createDirectories(lib.resolve("scripts"));
        Files.writeString(lib.resolve("servers/create.nu"), "export def create-server [req: record] { $req }\n");
        Files.writeString(lib.resolve("scripts/deploy.nu"), "def main [...args] { print $args }\n");
        parser = new WorkflowSpecParser(new ActionValidator(List.of(lib)), DEFAULTS);
    }

    private static JsonNode toml(String text) {
        try {
            return new TomlMapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static JsonNode json(String text) { return Json.read(text); }

    private static Map<String, NewTask> byKey(NewWorkflow wf) {
        return wf.tasks().stream().collect(Collectors.toMap(NewTask::key, Function.identity()));
    }

    private ProvisioningException invalid(JsonNode doc) {
        ProvisioningException e = catchThrowableOfType(ProvisioningException.class, () -> parser.parse(doc, SRC));
        assertThat(e).as("expected the workflow to be rejected").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_WORKFLOW);
        assertThat(e.where()).isEqualTo(SRC);
        assertThat(e.details()).isNotEmpty().allSatisfy(d -> assertThat(d).startsWith(SRC + ": "));
        assertThat(e.getMessage()).startsWith(e.details().size() + " error(s) in workflow " + SRC + ": " + e.details().get(0));
        return e;
    }

    /** One task {@code {"id":"t", <fields>}} with a command action unless fields give another. */
    private ProvisioningException invalidTask(String fields) {
        return invalid(json("{\"task\":[{\"id\":\"t\"," + fields + "}]}"));
    }

    // ------------------------------------------------------------------------------------------------ valid

    @Test
    void validThreeTaskDagParses() {
        NewWorkflow wf = parser.parse(toml("""
                [workflow]
                name = "cluster-up"
                priority = "high"
                max_attempts = 3
                timeout = "30m"
                on_failure = "rollback"

                [[task]]
                id = "net"
                module = "servers/create.nu"
                function = "create-server"
                args = { name = "net-1", zone = "fi-hel1", tags = ["a", "b"] }

                [[task]]
                id = "web"
                script = "scripts/deploy.nu"
                argv = ["--fast", "x y"]
                depends_on = ["net"]
                timeout = "5m"
                priority = "critical"
                max_attempts = 5

                [[task]]
                id = "notify"
                command = ["echo", "done"]
                depends_on = ["web", { id = "net", kind = "soft" }]
                """), SRC);

        assertThat(wf.id()).isNotBlank();
        assertThat(wf.name()).isEqualTo("cluster-up");
        assertThat(wf.kind()).isEqualTo("batch");
        assertThat(wf.priority()).isEqualTo(Priority.high);
        assertThat(wf.onFailure()).isEqualTo(NewWorkflow.OnFailure.ROLLBACK);
        assertThat(wf.request().path("workflow").path("name").asText()).isEqualTo("cluster-up");
        assertThat(wf.tasks()).extracting(NewTask::key).containsExactly("net", "web", "notify");

        Map<String, NewTask> t = byKey(wf);
        NewTask net = t.get("net"), web = t.get("web"), notify = t.get("notify");
        // global ids: unique, not the keys
        assertThat(wf.tasks()).extracting(NewTask::id).doesNotHaveDuplicates().doesNotContain("net", "web", "notify", wf.id());

        assertThat(net.action()).isEqualTo(new Action.Nu("servers/create.nu", "create-server",
                json("{\"name\":\"net-1\",\"zone\":\"fi-hel1\",\"tags\":[\"a\",\"b\"]}")));
        assertThat(net.dependsOn()).isEmpty();
        // workflow-level values apply where the task says nothing
        assertThat(net.priority()).isEqualTo(Priority.high);
        assertThat(net.timeoutMs()).isEqualTo(Duration.ofMinutes(30).toMillis());
        assertThat(net.maxAttempts()).isEqualTo(3);
        assertThat(net.idempotencyKey()).isEqualTo(wf.id() + "/net");
        assertThat(net.rollback()).isNull();

        // per-task overrides
        assertThat(web.action()).isEqualTo(new Action.Script("scripts/deploy.nu", List.of("--fast", "x y")));
        assertThat(web.priority()).isEqualTo(Priority.critical);
        assertThat(web.timeoutMs()).isEqualTo(300_000);
        assertThat(web.maxAttempts()).isEqualTo(5);
        assertThat(web.dependsOn()).containsExactly(new Dependency(net.id(), DependencyKind.hard));

        assertThat(notify.action()).isEqualTo(new Action.Command(List.of("echo", "done")));
        assertThat(notify.dependsOn()).containsExactly(
                new Dependency(web.id(), DependencyKind.hard), new Dependency(net.id(), DependencyKind.soft));
        assertThat(notify.idempotencyKey()).isEqualTo(wf.id() + "/notify");
    }

    @Test
    void configDefaultsApplyWithoutAWorkflowSection() {
        NewWorkflow wf = parser.parse(json("{\"task\":[{\"id\":\"only\",\"command\":[\"true\"]}]}"), SRC);
        assertThat(wf.name()).isEqualTo("workflow");
        assertThat(wf.priority()).isEqualTo(Priority.normal);
        assertThat(wf.onFailure()).isEqualTo(NewWorkflow.OnFailure.FAIL);
        NewTask only = wf.tasks().get(0);
        assertThat(only.priority()).isEqualTo(Priority.normal);
        assertThat(only.timeoutMs()).isEqualTo(Duration.ofMinutes(20).toMillis());
        assertThat(only.maxAttempts()).isEqualTo(2);
        assertThat(only.dependsOn()).isEmpty();
        assertThat(((Action.Nu) parser.parse(json(
                "{\"task\":[{\"id\":\"n\",\"module\":\"servers/create.nu\",\"function\":\"create-server\"}]}"), SRC)
                .tasks().get(0).action()).args()).isEqualTo(Json.MAPPER.createObjectNode());
    }

    @Test
    void eachParseGetsFreshIds() {
        JsonNode doc = json("{\"task\":[{\"id\":\"a\",\"command\":[\"true\"]}]}");
        NewWorkflow one = parser.parse(doc, SRC), two = parser.parse(doc, SRC);
        assertThat(one.id()).isNotEqualTo(two.id());
        assertThat(one.tasks().get(0).id()).isNotEqualTo(two.tasks().get(0).id());
    }

    @Test
    void onFailureAndPriorityValues() {
        for (String of : List.of("fail", "continue", "rollback")) {
            NewWorkflow wf = parser.parse(json("{\"workflow\":{\"on_failure\":\"" + of + "\",\"priority\":\"LOW\"},"
                    + "\"task\":[{\"id\":\"a\",\"command\":[\"true\"]}]}"), SRC);
            assertThat(wf.onFailure().wire()).isEqualTo(of);
            assertThat(wf.priority()).isEqualTo(Priority.low);
        }
    }

    @Test
    void taskIdsMayUseDotsDashesAndUnderscores() {
        NewWorkflow wf = parser.parse(json("{\"task\":[{\"id\":\"web-1.eu_west\",\"command\":[\"true\"]},"
                + "{\"id\":\"9\",\"command\":[\"true\"],\"depends_on\":[\"web-1.eu_west\"]},"
                + "{\"id\":\"" + "x".repeat(128) + "\",\"command\":[\"true\"]}]}"), SRC);
        assertThat(wf.tasks()).hasSize(3);
    }

    @Test
    void acyclicGraphWithSharedDependenciesIsNotACycle() {
        // a <- b, a <- c, {b, c} <- d, d <- e: diamonds and long chains are fine
        assertThatCode(() -> parser.parse(json("""
                {"task": [
                  {"id": "e", "command": ["true"], "depends_on": ["d"]},
                  {"id": "d", "command": ["true"], "depends_on": ["b", "c"]},
                  {"id": "c", "command": ["true"], "depends_on": ["a"]},
                  {"id": "b", "command": ["true"], "depends_on": ["a"]},
                  {"id": "a", "command": ["true"]}
                ]}"""), SRC)).doesNotThrowAnyException();
    }

    // ------------------------------------------------------------------------------------------------ all errors at once

    @Test
    void everyProblemIsReportedAtOnceWithItsTask() {
        ProvisioningException e = invalid(json("""
                {
                  "workflow": {"name": "broken", "timeout": "10m"},
                  "task": [
                    {"id": "a", "command": ["echo", "a"], "depends_on": ["b"]},
                    {"id": "b", "command": ["echo", "b"], "depends_on": ["c"]},
                    {"id": "c", "command": ["echo", "c"], "depends_on": ["a"]},
                    {"id": "a", "command": ["echo", "duplicate"]},
                    {"id": "d", "command": ["echo", "d"], "depends_on": ["ghost"]},
                    {"id": "e", "command": ["echo", "e"], "timeout": "5x"},
                    {"id": "f", "command": ["echo", "f"], "priority": "urgent"},
                    {"id": "g", "command": ["echo", "g"], "colour": "red"},
                    {"id": "h", "module": "../../etc/passwd.nu", "function": "create-server"}
                  ]
                }"""));

        assertThat(e.details()).satisfiesExactly(
                d -> assertThat(d).isEqualTo(SRC + ": task 'a': duplicate id (task[3])"),
                d -> assertThat(d).contains("task 'd'").contains("depends_on").contains("unknown task 'ghost'"),
                d -> assertThat(d).contains("task 'e'").contains("timeout").contains("bad duration '5x'"),
                d -> assertThat(d).contains("task 'f'").contains("priority").contains("'urgent'"),
                d -> assertThat(d).contains("task 'g'").contains("unknown key 'colour'"),
                d -> assertThat(d).contains("task 'h'").contains("'../../etc/passwd.nu'").contains("relative path"),
                d -> assertThat(d).contains("dependency cycle: ")
                        .containsAnyOf("a -> b -> c -> a", "b -> c -> a -> b", "c -> a -> b -> c"));
        assertThat(e.getMessage()).startsWith("7 error(s) in workflow " + SRC).contains("(and more, see details)");
    }

    @Test
    void cycleDetailPrintsTheClosedPath() {
        ProvisioningException e = invalid(json("""
                {"task": [
                  {"id": "start", "command": ["true"]},
                  {"id": "x", "command": ["true"], "depends_on": ["start", "y"]},
                  {"id": "y", "command": ["true"], "depends_on": ["x"]}
                ]}"""));
        assertThat(e.details()).singleElement().asString()
                .matches(SRC + ": dependency cycle: (x -> y -> x|y -> x -> y)");
    }

    @Test
    void findCycleReturnsAClosedPathOrNull() {
        assertThat(WorkflowSpecParser.findCycle(Map.of())).isNull();
        assertThat(WorkflowSpecParser.findCycle(Map.of("b", List.of("a"), "c", List.of("a", "b")))).isNull();
        List<String> cycle = WorkflowSpecParser.findCycle(Map.of("a", List.of("b"), "b", List.of("c"), "c", List.of("a")));
        assertThat(cycle).hasSize(4);
        assertThat(cycle.get(0)).isEqualTo(cycle.get(3));
        assertThat(cycle.subList(0, 3)).containsExactlyInAnyOrder("a", "b", "c");
        // the cycle does not include the tail that leads into it
        List<String> tail = WorkflowSpecParser.findCycle(Map.of("t", List.of("a"), "a", List.of("b"), "b", List.of("a")));
        assertThat(tail).doesNotContain("t").hasSize(3);
    }

    @Test
    void workflowSectionProblemsAreAllReported() {
        ProvisioningException e = invalid(json("""
                {"workflow": {"name": "x", "retries": 3, "on_failure": "explode", "timeout": "soon",
                              "priority": "meh", "max_attempts": 0},
                 "task": [{"id": "a", "command": ["true"]}]}"""));
        assertThat(e.details()).hasSize(5).allSatisfy(d -> assertThat(d).contains("workflow"));
        assertThat(String.join("\n", e.details()))
                .contains("unknown key 'retries'")
                .contains("workflow.on_failure").contains("'explode'")
                .contains("workflow.timeout").contains("bad duration 'soon'")
                .contains("workflow.priority").contains("'meh'")
                .contains("workflow.max_attempts").contains("from 1 to 100");
    }

    @Test
    void documentShapeErrors() {
        assertThat(invalid(json("[1, 2]")).details()).singleElement().asString().contains("must be a table/object");
        assertThat(invalid(json("{\"workflow\": {\"name\": \"empty\"}}")).details())
                .singleElement().asString().contains("at least one [[task]]");
        assertThat(invalid(json("{\"task\": []}")).details()).singleElement().asString().contains("at least one [[task]]");
        assertThat(invalid(json("{\"task\": {\"id\": \"a\", \"command\": [\"true\"]}}")).details())
                .singleElement().asString().contains("task: must be a list of tables").contains("got {\"id\":\"a\"");
        assertThat(invalid(json("{\"task\": \"x\"}")).details())
                .singleElement().asString().contains("task: must be a list of tables").endsWith("got \"x\"");
        // errors found before the missing tasks are reported too
        assertThat(invalid(json("{\"workflow\": 5, \"tasks\": []}")).details()).hasSize(3);
        assertThat(invalid(json("{\"workflow\": {\"name\": \"a\\u0000b\"}, \"task\": [{\"id\": \"t\", \"command\": [\"true\"]}]}"))
                .details()).singleElement().asString().contains("workflow.name: must not contain NUL");
        ProvisioningException nul = catchThrowableOfType(ProvisioningException.class, () -> parser.parse(null, SRC));
        assertThat(nul.code()).isEqualTo(ErrorCode.INVALID_WORKFLOW);
    }

    @Test
    void badTaskIdsAreReportedByIndex() {
        ProvisioningException e = invalid(json("""
                {"task": [
                  {"command": ["true"]},
                  {"id": "", "command": ["true"]},
                  {"id": "has space", "command": ["true"]},
                  {"id": "-dash", "command": ["true"]},
                  {"id": "%s", "command": ["true"]},
                  "not a table",
                  {"id": "ok", "command": ["true"]}
                ]}""".formatted("x".repeat(129))));
        assertThat(e.details()).satisfiesExactly(
                d -> assertThat(d).startsWith(SRC + ": task[0]: id:").contains("got nothing"),
                d -> assertThat(d).startsWith(SRC + ": task[1]: id:").contains("got ''"),
                d -> assertThat(d).startsWith(SRC + ": task[2]: id:").contains("'has space'"),
                d -> assertThat(d).startsWith(SRC + ": task[3]: id:").contains("'-dash'"),
                d -> assertThat(d).startsWith(SRC + ": task[4]: id:"),
                d -> assertThat(d).isEqualTo(SRC + ": task[5]: must be a table"));
    }

    @Test
    void dependencyProblems() {
        assertThat(invalidTask("\"command\":[\"true\"],\"depends_on\":[\"t\"]").details())
                .singleElement().asString().contains("task 't'").contains("cannot depend on itself");
        assertThat(invalidTask("\"command\":[\"true\"],\"depends_on\":\"other\"").details())
                .singleElement().asString().contains("task 't'").contains("depends_on: must be a list");
        assertThat(invalidTask("\"command\":[\"true\"],\"depends_on\":[{\"kind\":\"soft\"}]").details())
                .singleElement().asString().contains("task 't'").contains("entries are task ids or {id, kind}");

        ProvisioningException kind = invalid(json("""
                {"task": [{"id": "a", "command": ["true"]},
                          {"id": "b", "command": ["true"], "depends_on": [{"id": "a", "kind": "maybe"}]}]}"""));
        assertThat(kind.details()).singleElement().asString()
                .contains("task 'b'").contains("depends_on 'a'").contains("hard or soft");
    }

    @Test
    void actionProblems() {
        assertThat(invalidTask("\"priority\":\"high\"").details())
                .singleElement().asString().contains("task 't'").contains("needs exactly one action");
        assertThat(invalidTask("\"command\":[\"true\"],\"script\":\"scripts/deploy.nu\"").details())
                .singleElement().asString().contains("needs exactly one action");
        assertThat(invalidTask("\"command\":\"rm -rf /\"").details())
                .singleElement().asString().contains("task 't'").contains("command: must be a list of strings");
        assertThat(invalidTask("\"command\":[]").details())
                .singleElement().asString().contains("task 't'").contains("argv must not be empty");
        assertThat(invalidTask("\"module\":\"servers/create.nu\",\"function\":\"create-server\",\"args\":[1]").details())
                .singleElement().asString().contains("task 't'").contains("args: must be a table");
        assertThat(invalidTask("\"module\":\"servers/delete.nu\",\"function\":\"delete-server\"").details())
                .singleElement().asString().contains("task 't'").contains("'servers/delete.nu' not found");
        assertThat(invalidTask("\"module\":\"servers/create.nu\",\"function\":\"$(id)\"").details())
                .singleElement().asString().contains("task 't'").contains("not a plain identifier");
        assertThat(invalidTask("\"module\":\"servers/create.nu\",\"function\":\"delete-server\"").details())
                .singleElement().asString().contains("task 't'").contains("does not export");
        assertThat(invalidTask("\"script\":\"/etc/profile.nu\"").details())
                .singleElement().asString().contains("task 't'").contains("'/etc/profile.nu'");
    }

    @Test
    void numericAndDurationLimits() {
        assertThat(invalidTask("\"command\":[\"true\"],\"max_attempts\":0").details())
                .singleElement().asString().contains("task 't': max_attempts").contains("from 1 to 100");
        assertThat(invalidTask("\"command\":[\"true\"],\"max_attempts\":101").details()).hasSize(1);
        assertThat(invalidTask("\"command\":[\"true\"],\"max_attempts\":\"3\"").details()).hasSize(1);
        assertThat(invalidTask("\"command\":[\"true\"],\"timeout\":\"0s\"").details())
                .singleElement().asString().contains("task 't': timeout").contains("bad duration '0s'");
        assertThat(invalidTask("\"command\":[\"true\"],\"timeout\":30").details())
                .singleElement().asString().contains("bad duration '30'");

        NewTask t = parser.parse(json("{\"task\":[{\"id\":\"t\",\"command\":[\"true\"],\"max_attempts\":100,"
                + "\"timeout\":\"1h30m\"}]}"), SRC).tasks().get(0);
        assertThat(t.maxAttempts()).isEqualTo(100);
        assertThat(t.timeoutMs()).isEqualTo(5_400_000);
    }

    @Test
    void aValueOfTheWrongTypeOrAMissingHalfIsNamedNotReadAsNull() {
        ProvisioningException e = invalid(json("""
                {"workflow": {"name": 5, "on_failure": ["x"], "priority": {"p": 1}},
                 "task": [{"id": "m", "module": "servers/create.nu"},
                          {"id": "f", "function": "create-server"},
                          {"id": "t", "module": ["servers/create.nu"], "function": "create-server"},
                          {"id": "z", "command": ["true"], "timeout": "0s"},
                          {"id": "n", "command": ["true"], "timeout": 30},
                          {"id": "s", "command": ["true"], "timeout": "-5s"}]}"""));
        assertThat(e.details()).satisfiesExactly(
                d -> assertThat(d).isEqualTo(SRC + ": workflow.name: must be a string, got 5"),
                d -> assertThat(d).contains("workflow.priority").contains("{\"p\":1}"),
                d -> assertThat(d).isEqualTo(SRC + ": workflow.on_failure: must be a string, got [\"x\"]"),
                d -> assertThat(d).isEqualTo(SRC + ": task 'm': function: missing; a module task names the function to call"),
                d -> assertThat(d).startsWith(SRC + ": task 'f': module: missing"),
                d -> assertThat(d).isEqualTo(SRC + ": task 't': module: must be a string, got [\"servers/create.nu\"]"),
                d -> assertThat(d).contains("task 'z': timeout: bad duration '0s' (must be longer than zero"),
                d -> assertThat(d).contains("task 'n': timeout: bad duration '30' (a number needs a unit, such as '30s'"),
                d -> assertThat(d).contains("task 's': timeout: bad duration '-5s' (must not be negative"));
        assertThat(String.join("\n", e.details())).doesNotContain("null").doesNotContain("''");
    }

    @Test
    void onlyADocumentWithErrorsAsksForItsLines() {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        WorkflowSpecParser.Lines lines = new WorkflowSpecParser.Lines() {
            @Override public Integer lineOfTask(String key) { asked.incrementAndGet(); return 7; }
            @Override public Integer lineOfWorkflowKey(String key) { asked.incrementAndGet(); return 2; }
            @Override public Integer lineOfTaskAt(int i) { asked.incrementAndGet(); return 5; }
        };
        NewWorkflow ok = parser.parse(json("{\"workflow\": {\"name\": \"w\", \"timeout\": \"5m\"}, "
                + "\"task\": [{\"id\": \"a\", \"command\": [\"true\"]}, {\"id\": \"b\", \"command\": [\"true\"], \"depends_on\": [\"a\"]}]}"),
                SRC, lines);
        assertThat(ok.tasks()).hasSize(2);
        assertThat(asked).as("a valid document never builds the line index").hasValue(0);

        ProvisioningException e = catchThrowableOfType(ProvisioningException.class, () -> parser.parse(json(
                "{\"workflow\": {\"timeout\": \"5x\"}, \"task\": [{\"id\": \"a\", \"command\": [\"true\"], \"depends_on\": [\"nope\"]}]}"),
                SRC, lines));
        assertThat(e.details()).containsExactly(
                SRC + ":2: workflow.timeout: bad duration '5x' (use e.g. 30s, 5m, 1h; at most 365d)",
                SRC + ":7: task 'a': depends_on: unknown task 'nope'");
    }

    @Test
    void workflowKeysAndTasksWithoutAUsableIdAreNamedWithTheirLineInEveryFormat() throws IOException {
        String toml = """
                [workflow]
                name = "lines"
                max_attempts = 0
                paralel_limit = 2

                [[task]]
                id = "a"
                command = ["true"]

                [[task]]
                id = "a"
                command = ["true"]

                [[task]]
                command = ["true"]
                """;
        String yaml = """
                workflow:
                  name: lines
                  max_attempts: 0
                  paralel_limit: 2
                task:
                  - id: a
                    command: ["true"]
                  - id: a
                    command: ["true"]
                  - command: ["true"]
                """;
        String json = """
                {"workflow": {"name": "lines",
                  "max_attempts": 0,
                  "paralel_limit": 2},
                 "task": [{"id": "a", "command": ["true"]},
                  {"id": "a", "command": ["true"]},
                  {"command": ["true"]}]}""";
        record Case(String file, String text, WorkflowDocuments.Format format, int attempts, int unknown, int dup, int noId) {}
        for (Case c : List.of(new Case("w.toml", toml, WorkflowDocuments.Format.TOML, 3, 4, 10, 14),
                new Case("w.yaml", yaml, WorkflowDocuments.Format.YAML, 3, 4, 8, 10),
                new Case("w.json", json, WorkflowDocuments.Format.JSON, 2, 3, 5, 6))) {
            byte[] bytes = Files.readAllBytes(Files.writeString(tmp.resolve(c.file()), c.text()));
            ProvisioningException e = catchThrowableOfType(ProvisioningException.class, () -> parser.parse(
                    WorkflowDocuments.read(bytes, c.format(), c.file()), c.file(), WorkflowDocuments.lines(bytes, c.format())));
            assertThat(e.details()).as(c.file()).containsExactlyInAnyOrder(
                    c.file() + ":" + c.attempts() + ": workflow.max_attempts: must be an integer from 1 to 100, got 0",
                    c.file() + ":" + c.unknown() + ": workflow: unknown key 'paralel_limit'",
                    c.file() + ":" + c.dup() + ": task 'a': duplicate id (task[1])",
                    c.file() + ":" + c.noId() + ": task[2]: id: must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}, got nothing");
        }
    }

    @Test
    void aHugeHostileIdGetsItsErrorWithLinesAndAnIdInADependencyIsNotTakenForTheTasksLine() {
        String id = "\\\"".repeat(25_000); // 50 KB of escaped quotes in the JSON text
        String json = "{\"task\": [\n{\"id\": \"" + id + "\", \"command\": [\"true\"]},\n"
                + "{\"id\": \"b\", \"command\": [\"true\"], \"depends_on\": [{\"id\": \"a\"}], \"timeout\": \"5x\"},\n"
                + "{\"id\": \"a\", \"command\": [\"true\"], \"priority\": \"urgent\"}]}";
        byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ProvisioningException e = catchThrowableOfType(ProvisioningException.class, () -> parser.parse(
                WorkflowDocuments.read(bytes, WorkflowDocuments.Format.JSON, "big.json"), "big.json",
                WorkflowDocuments.lines(bytes, WorkflowDocuments.Format.JSON)));
        assertThat(e.details()).satisfiesExactly(
                d -> assertThat(d).startsWith("big.json:2: task[0]: id: must match"),
                d -> assertThat(d).startsWith("big.json:3: task 'b': timeout: bad duration '5x'"),
                d -> assertThat(d).startsWith("big.json:4: task 'a': priority"));
    }

    // ------------------------------------------------------------------------------------------------ bugs
    @Test
    void duplicateDependencyIsReported() {
        ProvisioningException e = invalid(json("""
                {"task": [{"id": "a", "command": ["true"]},
                          {"id": "b", "command": ["true"], "depends_on": ["a", {"id": "a", "kind": "soft"}]}]}"""));
        assertThat(e.details()).singleElement().asString().contains("task 'b'").contains("'a'");
    }
    @Test
    void hugeTimeoutIsReportedNotThrown() {
        for (String timeout : List.of("9999999999999999s", "99999999999999999999s")) {
            ProvisioningException e = invalidTask("\"command\":[\"true\"],\"timeout\":\"" + timeout + "\"");
            assertThat(e.details()).singleElement().asString().contains("task 't': timeout");
        }
    }

    @Test
    void looseValuesAreRejected() {
        assertThat(invalidTask("\"command\":[\"true\"],\"max_attempts\":2.5").details())
                .singleElement().asString().contains("max_attempts");
        assertThat(invalidTask("\"script\":\"scripts/deploy.nu\",\"argv\":\"--fast\"").details())
                .singleElement().asString().contains("argv");
        assertThat(invalidTask("\"command\":[\"rm\", {}, null]").details())
                .singleElement().asString().contains("command");
    }
}
