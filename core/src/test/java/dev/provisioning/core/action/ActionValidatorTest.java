package dev.provisioning.core.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ActionValidatorTest {

    static final String CREATE_NU = """
            # Servers: create.
            use ../lib/util.nu *

            export def create-server [req: record] {
                { name: $req.name, ip: "10.0.0.5" }
            }

            export def --env set-context [name: string] { $env.CTX = $name }

            export def 'quoted-fn' [] { 1 }

            def private-helper [] { 2 }

            # export def commented-out [] { 3 }

            export def create-server-batch [reqs: list] { $reqs }
            """;

    @TempDir Path tmp;
    Path lib;
    Path outside;
    ActionValidator validator;

    @BeforeEach
    void setUp() throws IOException {
        lib = Files.createDirectories(tmp.resolve("nulib"));
        Files.createDirectories(lib.resolve("servers"));
        Files.createDirectories(lib.resolve("lib"));
        Files.createDirectories(lib.resolve("scripts"));
        Files.writeString(lib.resolve("servers/create.nu"), CREATE_NU);
        Files.writeString(lib.resolve("lib/util.nu"), "export def helper [] { 1 }\n");
        Files.writeString(lib.resolve("scripts/deploy.nu"), "def main [...args] { print $args }\n");
        Files.writeString(lib.resolve("servers/notes.txt"), "export def create-server [] {}\n");
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("evil.nu"), "export def create-server [req: record] { ^id }\n");
        validator = new ActionValidator(List.of(lib));
    }

    private static ProvisioningException rejected(ThrowingCallable c) {
        ProvisioningException e = catchThrowableOfType(ProvisioningException.class, c);
        assertThat(e).as("expected the action to be rejected").isNotNull();
        return e;
    }

    private static Action.Nu nu(String module, String function) {
        return new Action.Nu(module, function, Json.MAPPER.createObjectNode());
    }

    // ------------------------------------------------------------------------------------------------ modules

    @Test
    void validModuleAndExportedFunctionPass() throws IOException {
        assertThatCode(() -> validator.validate(nu("servers/create.nu", "create-server"), "task 'web'"))
                .doesNotThrowAnyException();
        assertThat(validator.resolve("servers/create.nu", "m")).isEqualTo(lib.resolve("servers/create.nu").toRealPath());
        assertThat(validator.resolve("servers/./create.nu", "m")).isEqualTo(lib.resolve("servers/create.nu").toRealPath());
        assertThat(validator.libDirs()).containsExactly(lib.toRealPath());
    }

    @Test
    void aModuleEditedAfterAPassingCheckIsCheckedAgain() throws IOException {
        Path module = lib.resolve("servers/create.nu");
        validator.validate(nu("servers/create.nu", "create-server"), "t");
        validator.validate(nu("servers/create.nu", "create-server"), "t"); // remembered for this version
        // the export removed, same size, a different modification time: the remembered check no longer applies
        Files.writeString(module, CREATE_NU.replace("export def create-server [", "def ex_ort_create_server ["));
        Files.setLastModifiedTime(module, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertThat(rejected(() -> validator.validate(nu("servers/create.nu", "create-server"), "t")).code())
                .isEqualTo(ErrorCode.INVALID_FUNCTION);
        // replaced by another file (a new inode) with the export back
        Path tmpFile = lib.resolve("servers/create.nu.new");
        Files.writeString(tmpFile, CREATE_NU);
        Files.move(tmpFile, module, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertThatCode(() -> validator.validate(nu("servers/create.nu", "create-server"), "t")).doesNotThrowAnyException();
    }

    @Test
    void aPassedModuleThatIsDeletedMovedOutOrShadowedIsCheckedAgain() throws IOException {
        Path second = Files.createDirectories(tmp.resolve("site-lib"));
        Files.writeString(second.resolve("site.nu"), "export def site-fn [] { 1 }\n");
        ActionValidator v = new ActionValidator(List.of(lib, second));
        Action.Nu site = nu("site.nu", "site-fn");
        assertThat(v.validate(site, "t")).isEqualTo(second.resolve("site.nu").toRealPath());
        assertThat(v.validate(site, "t")).isEqualTo(second.resolve("site.nu").toRealPath()); // remembered
        // a module of that name appears in the first lib dir, which is searched first, without the function
        Files.writeString(lib.resolve("site.nu"), "export def other [] { 1 }\n");
        assertThat(rejected(() -> v.validate(site, "t")).code()).isEqualTo(ErrorCode.INVALID_FUNCTION);
        Files.delete(lib.resolve("site.nu"));
        assertThat(v.validate(site, "t")).isEqualTo(second.resolve("site.nu").toRealPath());
        // replaced by a symlink to a file outside the lib dirs
        Files.writeString(outside.resolve("site.nu"), "export def site-fn [] { ^id }\n");
        Files.delete(second.resolve("site.nu"));
        Files.createSymbolicLink(second.resolve("site.nu"), outside.resolve("site.nu"));
        assertThat(rejected(() -> v.validate(site, "t")).code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB);
        // deleted
        Files.delete(second.resolve("site.nu"));
        assertThat(rejected(() -> v.validate(site, "t")).code()).isEqualTo(ErrorCode.MODULE_NOT_FOUND);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "../../etc/passwd", "/etc/passwd", "a/../../x.nu", "../outside/evil.nu", "servers/../../outside/evil.nu",
            "/tmp/x.nu", "servers/notes.txt", "servers/create.nu.bak", "servers/create", ".hidden/x.nu", "-rf.nu",
            "servers//create.nu", "servers/create .nu", "servers/cre'ate.nu", "servers/$(id).nu", "~/x.nu",
            "servers\\create.nu", "servers/create.nu\u0000.txt"})
    void pathsThatCouldLeaveTheLibDirAreRefused(String module) {
        ProvisioningException e = rejected(() -> validator.validate(nu(module, "create-server"), "task 'web'"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB);
        assertThat(e.where()).isEqualTo("task 'web'.module");
        assertThat(e.getMessage()).contains("must be a relative path to a .nu file");
    }

    @Test
    void nullModuleIsRefused() {
        assertThat(rejected(() -> validator.validate(nu(null, "create-server"), "t")).code())
                .isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB);
    }

    @Test
    void symlinkInsideTheLibDirPointingOutsideIsRefused() throws IOException {
        Files.createSymbolicLink(lib.resolve("servers/evil.nu"), outside.resolve("evil.nu"));
        ProvisioningException e = rejected(() -> validator.validate(nu("servers/evil.nu", "create-server"), "task 'x'"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB);
        assertThat(e.where()).isEqualTo("task 'x'.module");
        assertThat(e.getMessage()).contains("resolves outside the lib dirs").contains(outside.toRealPath().toString());
    }

    @Test
    void symlinkedDirectoryPointingOutsideIsRefused() throws IOException {
        Files.createSymbolicLink(lib.resolve("ext"), outside);
        ProvisioningException e = rejected(() -> validator.validate(nu("ext/evil.nu", "create-server"), "t"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB);
    }

    @Test
    void symlinkThatStaysInsideTheLibDirIsFine() throws IOException {
        Files.createSymbolicLink(lib.resolve("servers/alias.nu"), lib.resolve("servers/create.nu"));
        assertThat(validator.resolve("servers/alias.nu", "m")).isEqualTo(lib.resolve("servers/create.nu").toRealPath());
        assertThatCode(() -> validator.validate(nu("servers/alias.nu", "create-server"), "t")).doesNotThrowAnyException();
    }

    @Test
    void libDirThatIsItselfASymlinkIsResolved() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("nulib-link"), lib);
        ActionValidator v = new ActionValidator(List.of(link));
        assertThat(v.libDirs()).containsExactly(lib.toRealPath());
        assertThatCode(() -> v.validate(nu("servers/create.nu", "create-server"), "t")).doesNotThrowAnyException();
    }

    @Test
    void missingModuleIsNotFound() throws IOException {
        ProvisioningException e = rejected(() -> validator.validate(nu("servers/delete.nu", "delete-server"), "task 'rm'"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODULE_NOT_FOUND);
        assertThat(e.where()).isEqualTo("task 'rm'.module");
        assertThat(e.getMessage()).contains("servers/delete.nu").contains(lib.toRealPath().toString());
    }

    @Test
    void directoryNamedLikeAModuleIsNotFound() throws IOException {
        Files.createDirectories(lib.resolve("dir.nu"));
        assertThat(rejected(() -> validator.resolve("dir.nu", "m")).code()).isEqualTo(ErrorCode.MODULE_NOT_FOUND);
    }

    @Test
    void danglingSymlinkIsNotFound() throws IOException {
        Files.createSymbolicLink(lib.resolve("gone.nu"), tmp.resolve("no-such-file.nu"));
        assertThat(rejected(() -> validator.resolve("gone.nu", "m")).code()).isEqualTo(ErrorCode.MODULE_NOT_FOUND);
    }

    @Test
    void severalLibDirsAreSearchedInOrder() throws IOException {
        Path second = Files.createDirectories(tmp.resolve("site-lib"));
        Files.writeString(second.resolve("site.nu"), "export def site-fn [] { 1 }\n");
        Path secondCreate = Files.createDirectories(second.resolve("servers")).resolve("create.nu");
        Files.writeString(secondCreate, "export def other [] {}\n");
        ActionValidator v = new ActionValidator(List.of(lib, second));
        assertThat(v.resolve("site.nu", "m")).isEqualTo(second.resolve("site.nu").toRealPath());
        assertThat(v.resolve("servers/create.nu", "m")).isEqualTo(lib.resolve("servers/create.nu").toRealPath());
        assertThatCode(() -> v.validate(nu("site.nu", "site-fn"), "t")).doesNotThrowAnyException();
    }

    @Test
    void missingLibDirIsAConfigError() {
        Path missing = tmp.resolve("no-such-lib");
        ProvisioningException e = rejected(() -> new ActionValidator(List.of(lib, missing)));
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
        assertThat(e.getMessage()).contains(missing.toString());
        assertThat(e.where()).isEqualTo("nushell.provisioning_lib");
    }

    @Test
    void moduleWhoseRealPathHasUnsafeCharactersIsRefused() throws IOException {
        Path weird = Files.createDirectories(tmp.resolve("my lib"));
        Files.writeString(weird.resolve("m.nu"), "export def f [] {}\n");
        ActionValidator v = new ActionValidator(List.of(weird));
        ProvisioningException e = rejected(() -> v.validate(nu("m.nu", "f"), "t"));
        assertThat(e.code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB);
        assertThat(e.getMessage()).contains("unsupported characters");
        assertThat(ActionValidator.SAFE_ABS_PATH.matcher("/opt/prov/nulib/servers/create.nu").matches()).isTrue();
        assertThat(ActionValidator.SAFE_ABS_PATH.matcher("/opt/it's/x.nu").matches()).isFalse();
    }

    // ------------------------------------------------------------------------------------------------ functions

    @ParameterizedTest
    @ValueSource(strings = {"x; rm -rf /", "$(id)", "`id`", "a'b", "a\"b", "create-server {}", "1abc", "-flag",
            "create server", "a\nb", "ünicode",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void functionNamesThatAreNotPlainIdentifiersAreRefused(String fn) {
        ProvisioningException e = rejected(() -> validator.validate(nu("servers/create.nu", fn), "task 'web'"));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FUNCTION);
        assertThat(e.where()).isEqualTo("task 'web'.function");
        assertThat(e.getMessage()).contains("not a plain identifier");
    }

    @ParameterizedTest
    @NullAndEmptySource
    void nullAndEmptyFunctionNamesAreRefused(String fn) {
        assertThat(rejected(() -> validator.validate(nu("servers/create.nu", fn), "t")).code())
                .isEqualTo(ErrorCode.INVALID_FUNCTION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"delete-server", "private-helper", "commented-out", "create", "create-serv", "helper", "main"})
    void validNamesTheModuleDoesNotExportAreRefused(String fn) {
        ProvisioningException e = rejected(() -> validator.validate(nu("servers/create.nu", fn), "task 'web'"));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FUNCTION);
        assertThat(e.where()).isEqualTo("task 'web'.function");
        assertThat(e.getMessage()).contains("create.nu").contains("does not export").contains("'" + fn + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"create-server", "set-context", "quoted-fn", "create-server-batch"})
    void exportedFunctionsInTheirVariousFormsPass(String fn) {
        assertThatCode(() -> validator.validate(nu("servers/create.nu", fn), "t")).doesNotThrowAnyException();
    }

    @Test
    void identifierPatternLimits() {
        assertThat(ActionValidator.FUNCTION.matcher("_x").matches()).isTrue();
        assertThat(ActionValidator.FUNCTION.matcher("a".repeat(64)).matches()).isTrue();
        assertThat(ActionValidator.FUNCTION.matcher("a".repeat(65)).matches()).isFalse();
    }

    // ------------------------------------------------------------------------------------------------ scripts, commands

    @Test
    void scriptPathIsConfinedLikeAModule() {
        assertThatCode(() -> validator.validate(new Action.Script("scripts/deploy.nu", List.of("--fast", "--to=x; rm -rf /", "; rm -rf /")), "t"))
                .doesNotThrowAnyException();
        // nu splices a script argument's flag part (before any '=') into its command line unquoted: code, not data
        ProvisioningException flag = rejected(() -> validator.validate(new Action.Script("scripts/deploy.nu", List.of("--fast; rm -rf /")), "t"));
        assertThat(flag.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(flag.where()).isEqualTo("t.argv");
        ProvisioningException out = rejected(() -> validator.validate(new Action.Script("../outside/evil.nu", List.of()), "task 's'"));
        assertThat(out.code()).isEqualTo(ErrorCode.MODULE_OUTSIDE_LIB);
        assertThat(out.where()).isEqualTo("task 's'.path");
        ProvisioningException missing = rejected(() -> validator.validate(new Action.Script("scripts/none.nu", List.of()), "t"));
        assertThat(missing.code()).isEqualTo(ErrorCode.MODULE_NOT_FOUND);
    }

    @Test
    void commandWithEmptyArgvIsRejected() {
        ProvisioningException e = rejected(() -> validator.validate(new Action.Command(List.of()), "task 'c'"));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(e.where()).isEqualTo("task 'c'.argv");
        assertThat(rejected(() -> validator.validate(new Action.Command(List.of("  ", "x")), "t")).code())
                .isEqualTo(ErrorCode.INVALID_VALUE);
    }

    @Test
    void commandArgvIsPassedVerbatimAndNotConfined() {
        // commands run with no shell: their argv is data, not code
        List<String> argv = new ArrayList<>(List.of("/usr/bin/env", "echo", "$(id)", "; rm -rf /"));
        assertThatCode(() -> validator.validate(new Action.Command(argv), "t")).doesNotThrowAnyException();
    }
}
