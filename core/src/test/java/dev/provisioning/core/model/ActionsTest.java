package dev.provisioning.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ActionsTest {

    private static Action roundTrip(Action a) {
        String text = Json.write(Actions.toJson(a));
        return Actions.fromJson(Json.read(text), "action");
    }

    private static ProvisioningException fail(ThrowingCallable c) {
        ProvisioningException e = org.assertj.core.api.Assertions.catchThrowableOfType(ProvisioningException.class, c);
        assertThat(e).as("expected a ProvisioningException").isNotNull();
        return e;
    }

    @Test
    void nuRoundTripKeepsNestedArgs() {
        JsonNode args = Json.read("{\"name\":\"wuji\",\"count\":3,\"tags\":[\"a\",\"b\"],\"net\":{\"zone\":\"fi-hel1\",\"public\":true}}");
        Action nu = new Action.Nu("servers/create.nu", "create-server", args);

        ObjectNode json = Actions.toJson(nu);
        assertThat(json.get("kind").asText()).isEqualTo("nu");
        assertThat(json.get("module").asText()).isEqualTo("servers/create.nu");
        assertThat(json.get("function").asText()).isEqualTo("create-server");
        assertThat(json.get("args")).isEqualTo(args);

        assertThat(roundTrip(nu)).isEqualTo(nu);
    }

    @Test
    void nuWithNullOrMissingArgsReadsBackAsAnEmptyObject() {
        Action nu = new Action.Nu("m.nu", "f", null);
        assertThat(Actions.toJson(nu).get("args").isObject()).isTrue();
        Action back = roundTrip(nu);
        assertThat(back).isInstanceOf(Action.Nu.class);
        assertThat(((Action.Nu) back).args()).isEqualTo(Json.MAPPER.createObjectNode());

        Action fromMissing = Actions.fromJson(Json.read("{\"kind\":\"nu\",\"module\":\"m.nu\",\"function\":\"f\"}"), "a");
        assertThat(((Action.Nu) fromMissing).args()).isEqualTo(Json.MAPPER.createObjectNode());
        Action fromNull = Actions.fromJson(Json.read("{\"kind\":\"nu\",\"module\":\"m.nu\",\"function\":\"f\",\"args\":null}"), "a");
        assertThat(((Action.Nu) fromNull).args()).isEqualTo(Json.MAPPER.createObjectNode());
    }

    @Test
    void scriptRoundTrip() {
        Action s = new Action.Script("scripts/deploy.nu", List.of("--fast", "two words", "ümlaut"));
        ObjectNode json = Actions.toJson(s);
        assertThat(json.get("kind").asText()).isEqualTo("script");
        assertThat(json.get("path").asText()).isEqualTo("scripts/deploy.nu");
        assertThat(json.get("argv")).hasSize(3);
        assertThat(roundTrip(s)).isEqualTo(s);

        Action noArgv = Actions.fromJson(Json.read("{\"kind\":\"script\",\"path\":\"x.nu\"}"), "a");
        assertThat(noArgv).isEqualTo(new Action.Script("x.nu", List.of()));
    }

    @Test
    void commandRoundTripKeepsArgvVerbatim() {
        Action c = new Action.Command(List.of("sh", "-c", "echo $HOME; rm -rf /tmp/x"));
        ObjectNode json = Actions.toJson(c);
        assertThat(json.get("kind").asText()).isEqualTo("command");
        assertThat(json.size()).isEqualTo(2);
        assertThat(roundTrip(c)).isEqualTo(c);
    }

    @Test
    void recordsCopyTheirArgvDefensively() {
        List<String> argv = new java.util.ArrayList<>(List.of("echo"));
        Action.Command c = new Action.Command(argv);
        argv.add("changed");
        assertThat(c.argv()).containsExactly("echo");
        assertThatThrownBy(() -> c.argv().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void unknownFieldIsRejectedWithItsLocation() {
        ProvisioningException e = fail(() -> Actions.fromJson(
                Json.read("{\"kind\":\"command\",\"argv\":[\"ls\"],\"shell\":true}"), "task[2].action"));
        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_FIELD);
        assertThat(e.where()).isEqualTo("task[2].action.shell");
        assertThat(e.getMessage()).contains("unknown field 'shell'");

        ProvisioningException e2 = fail(() -> Actions.fromJson(
                Json.read("{\"kind\":\"nu\",\"module\":\"m.nu\",\"function\":\"f\",\"argv\":[]}"), "rollback"));
        assertThat(e2.code()).isEqualTo(ErrorCode.UNKNOWN_FIELD);
        assertThat(e2.where()).isEqualTo("rollback.argv");
    }

    @Test
    void wrongKindIsRejectedWithItsLocation() {
        ProvisioningException e = fail(() -> Actions.fromJson(Json.read("{\"kind\":\"python\",\"argv\":[\"x\"]}"), "task[0].action"));
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(e.where()).isEqualTo("task[0].action.kind");
        assertThat(e.getMessage()).contains("task[0].action.kind").contains("'python'").contains("nu, script, command");
    }

    @Test
    void missingOrNonStringKindAndNonObjectInput() {
        ProvisioningException missing = fail(() -> Actions.fromJson(Json.read("{\"argv\":[\"x\"]}"), "a"));
        assertThat(missing.code()).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(missing.where()).isEqualTo("a.kind");

        ProvisioningException number = fail(() -> Actions.fromJson(Json.read("{\"kind\":5}"), "a"));
        assertThat(number.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(number.where()).isEqualTo("a.kind");

        for (String notObject : List.of("[]", "\"nu\"", "null", "3")) {
            ProvisioningException e = fail(() -> Actions.fromJson(Json.read(notObject), "a"));
            assertThat(e.code()).as(notObject).isEqualTo(ErrorCode.INVALID_VALUE);
            assertThat(e.where()).isEqualTo("a");
        }
        assertThat(fail(() -> Actions.fromJson(null, "a")).code()).isEqualTo(ErrorCode.INVALID_VALUE);
    }

    @Test
    void nuFieldsAreChecked() {
        ProvisioningException noFn = fail(() -> Actions.fromJson(Json.read("{\"kind\":\"nu\",\"module\":\"m.nu\"}"), "a"));
        assertThat(noFn.code()).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(noFn.where()).isEqualTo("a.function");

        ProvisioningException blank = fail(() -> Actions.fromJson(Json.read("{\"kind\":\"nu\",\"module\":\" \",\"function\":\"f\"}"), "a"));
        assertThat(blank.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(blank.where()).isEqualTo("a.module");

        ProvisioningException args = fail(() -> Actions.fromJson(
                Json.read("{\"kind\":\"nu\",\"module\":\"m.nu\",\"function\":\"f\",\"args\":[1]}"), "a"));
        assertThat(args.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(args.where()).isEqualTo("a.args");
    }

    @Test
    void argvShapeIsChecked() {
        ProvisioningException empty = fail(() -> Actions.fromJson(Json.read("{\"kind\":\"command\",\"argv\":[]}"), "a"));
        assertThat(empty.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(empty.where()).isEqualTo("a.argv");

        ProvisioningException missing = fail(() -> Actions.fromJson(Json.read("{\"kind\":\"command\"}"), "a"));
        assertThat(missing.code()).isEqualTo(ErrorCode.MISSING_FIELD);
        assertThat(missing.where()).isEqualTo("a.argv");

        ProvisioningException notArray = fail(() -> Actions.fromJson(Json.read("{\"kind\":\"command\",\"argv\":\"ls -l\"}"), "a"));
        assertThat(notArray.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(notArray.where()).isEqualTo("a.argv");

        ProvisioningException element = fail(() -> Actions.fromJson(
                Json.read("{\"kind\":\"script\",\"path\":\"x.nu\",\"argv\":[\"ok\",7]}"), "a"));
        assertThat(element.code()).isEqualTo(ErrorCode.INVALID_VALUE);
        assertThat(element.where()).isEqualTo("a.argv[1]");
    }
}
