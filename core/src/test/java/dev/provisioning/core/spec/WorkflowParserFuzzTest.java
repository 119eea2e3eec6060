package dev.provisioning.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.NewWorkflow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile input for the workflow reader: thousands of generated documents (random bytes, and structurally
 * plausible TOML/JSON/YAML with hostile values). The parser answers a workflow or a ProvisioningException —
 * never another exception, never a hang.
 */
class WorkflowParserFuzzTest {
    static WorkflowSpecParser parser;
    static Path lib;

    @BeforeContainer
    static void lib() throws Exception {
        lib = Files.createTempDirectory("fuzzlib");
        Files.createDirectories(lib.resolve("servers"));
        Files.writeString(lib.resolve("servers/create.nu"), "export def create-server [req: record] { $req }\n");
        parser = new WorkflowSpecParser(new ActionValidator(List.of(lib)),
                new WorkflowSpecParser.Defaults(Duration.ofMinutes(1), 1, Set.of("provider:x")));
    }

    @net.jqwik.api.lifecycle.AfterContainer
    static void removeLib() throws java.io.IOException {
        try (var files = Files.walk(lib)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    static void parseAny(byte[] content, WorkflowDocuments.Format format) {
        try {
            NewWorkflow wf = parser.parse(WorkflowDocuments.read(content, format, "fuzz"), "fuzz", WorkflowDocuments.lines(content, format));
            assertThat(wf.tasks()).isNotEmpty();
        } catch (ProvisioningException e) {
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.code()).isNotNull();
        }
    }

    @Property(tries = 2000)
    void randomBytesInEveryFormat(@ForAll byte[] content) {
        for (WorkflowDocuments.Format f : WorkflowDocuments.Format.values()) parseAny(content, f);
    }

    @Provide
    Arbitrary<String> hostile() {
        return Arbitraries.oneOf(
                Arbitraries.of("../../etc/passwd", "'; rm -rf /", "$(touch /tmp/x)", "`id`", "\u0000", "a\nb", "${HOME}",
                        "servers/create.nu", "create-server", "-1", "1e309", "99999999999999999999s", "[]", "{}", "null",
                        "provider:x", "nope", "hard", "soft", "t1", "t2", "", " ", "x".repeat(300)),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Provide
    Arbitrary<String> tomlDocs() {
        Arbitrary<String> v = hostile();
        Arbitrary<String> task = Combinators.combine(v, v, v, v, v, v).as((id, mod, fn, dep, timeout, pool) ->
                "[[task]]\nid = " + q(id) + "\nmodule = " + q(mod) + "\nfunction = " + q(fn) + "\ndepends_on = [" + q(dep) + "]\n"
                        + "timeout = " + q(timeout) + "\npools = [" + q(pool) + "]\nfor_each = [" + q(id) + ", " + q(dep) + "]\n"
                        + "retry = { max_attempts = 2, backoff = " + q(timeout) + " }\nrollback = { command = [" + q(fn) + "] }\n");
        return task.list().ofMinSize(1).ofMaxSize(5).map(ts -> "[workflow]\nname = \"fuzz\"\n\n" + String.join("\n", ts));
    }

    static String q(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }

    @Property(tries = 2000)
    void plausibleTomlWithHostileValues(@ForAll("tomlDocs") String doc) {
        parseAny(doc.getBytes(StandardCharsets.UTF_8), WorkflowDocuments.Format.TOML);
    }

    @Property(tries = 1000)
    void hostileJsonShapes(@ForAll("hostile") String a, @ForAll("hostile") String b, @ForAll("hostile") String c) {
        String[] docs = {
                "{\"task\":[{\"id\":" + q(a) + ",\"command\":[" + q(b) + "],\"depends_on\":[" + q(c) + "]}]}",
                "{\"workflow\":{\"name\":" + q(a) + ",\"parallel_limit\":" + (b.isEmpty() ? "1" : "\"" + b.replace("\"", "") + "\"") + "},\"task\":[]}",
                "{\"task\":[{\"id\":\"t1\",\"module\":" + q(a) + ",\"function\":" + q(b) + ",\"args\":{\"x\":" + q(c) + "}}]}",
                "{\"task\":[{\"id\":\"t1\",\"script\":" + q(a) + ",\"argv\":[" + q(b) + "],\"for_each\":[" + q(c) + "]}]}",
                "{\"task\":{\"id\":" + q(a) + "}}", "[" + q(a) + "]", q(a),
        };
        for (String d : docs) parseAny(d.getBytes(StandardCharsets.UTF_8), WorkflowDocuments.Format.JSON);
    }
}
