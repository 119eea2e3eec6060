package dev.provisioning.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.spec.WorkflowDocuments.Format;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files as users write them, read from disk: what is wrong with one is named with its line, in one line of text. */
class WorkflowDocumentsTest {
    @TempDir Path tmp;

    private ProvisioningException unreadable(String name, byte[] content, Format format) throws Exception {
        Path file = Files.write(tmp.resolve(name), content);
        ProvisioningException e = catchThrowableOfType(ProvisioningException.class,
                () -> WorkflowDocuments.read(Files.readAllBytes(file), format, name));
        assertThat(e).as("expected %s to be rejected", name).isNotNull();
        assertThat(e.code()).isEqualTo(format == Format.JSON ? ErrorCode.MALFORMED_JSON : ErrorCode.INVALID_WORKFLOW);
        assertThat(e.getMessage()).startsWith(e.where() + ": not valid " + format + ": ")
                .doesNotContain("\n").doesNotContain("Exception").doesNotContain("#-1");
        return e;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aKeyGivenTwiceIsAnErrorAtItsLineNotALostValue() throws Exception {
        assertThat(unreadable("dup.json", utf8("{\"workflow\": {\"name\": \"x\"},\n \"task\": [{\"id\": \"a\",\n \"id\": \"b\", \"command\": [\"true\"]}]}"),
                Format.JSON).getMessage()).isEqualTo("dup.json:3: not valid JSON: Duplicate field 'id'");
        assertThat(unreadable("dup.yaml", utf8("workflow:\n  name: x\nworkflow:\n  name: y\ntask:\n  - id: a\n    command: [\"true\"]\n"),
                Format.YAML).getMessage()).isEqualTo("dup.yaml:3: not valid YAML: Duplicate field 'workflow'");
        assertThat(unreadable("dup.toml", utf8("[workflow]\nname = \"x\"\nname = \"y\"\n"), Format.TOML).getMessage())
                .startsWith("dup.toml:").containsIgnoringCase("duplicate key");
    }

    @Test
    void aBinaryFileIsNamedAsNotTextWithItsLine() throws Exception {
        byte[] bin = {'[', 'w', ']', '\n', 'a', '=', '1', '\n', (byte) 0x8e, 0x01, (byte) 0xff};
        for (Format f : Format.values())
            assertThat(unreadable("bin." + f.name().toLowerCase(), bin, f).getMessage())
                    .isEqualTo("bin." + f.name().toLowerCase() + ":3: not valid " + f + ": byte 0x8E at offset 8 is not UTF-8 text "
                            + "(a binary file, or another encoding?)");
    }

    @Test
    void aYamlSyntaxErrorIsOneLineAtTheLineOfItsContext() throws Exception {
        assertThat(unreadable("flow.yaml", utf8("workflow:\n  name: x\ntask:\n  - id: a\n    command: [true\n"), Format.YAML).getMessage())
                .isEqualTo("flow.yaml:5: not valid YAML: while parsing a flow sequence: expected ',' or ']', but got <stream end>");
        assertThat(unreadable("tab.yaml", utf8("workflow:\n  name: x\n\ttask: 3\n"), Format.YAML).getMessage())
                .startsWith("tab.yaml:3: not valid YAML: while scanning for the next token: found character '\\t(TAB)' that cannot start any token");
    }

    @Test
    void aByteOrderMarkIsRead() {
        for (Format f : Format.values()) {
            String doc = switch (f) {
                case TOML -> "[workflow]\nname = \"bom\"\n";
                case JSON -> "{\"workflow\": {\"name\": \"bom\"}}";
                case YAML -> "workflow:\n  name: bom\n";
            };
            assertThat(WorkflowDocuments.read(utf8("\uFEFF" + doc), f, "bom").at("/workflow/name").asText()).as(f.name()).isEqualTo("bom");
        }
    }
}
