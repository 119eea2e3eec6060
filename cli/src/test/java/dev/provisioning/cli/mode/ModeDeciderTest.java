package dev.provisioning.cli.mode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.mode.ModeDecider.Decision;
import dev.provisioning.cli.mode.ModeDecider.Mode;
import dev.provisioning.cli.mode.ModeDecider.Requested;
import dev.provisioning.core.config.Config;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModeDeciderTest {
    /** The shipped defaults of dist/config.defaults.toml. */
    static final List<String> ORCH = List.of("server.create", "server.delete", "taskserv.create", "cluster.create", "batch.*", "workflow.*");
    static final List<String> DIRECT = List.of("*.list", "*.show", "help", "version", "env");

    static Config.Execution exec(String mode, boolean fallback) {
        return new Config.Execution(mode, fallback, ORCH, DIRECT);
    }

    @ParameterizedTest
    @CsvSource({
            "server.create, server.create, true",
            "*.list, server.list, true",
            "*.list, server.lists, false",
            "*.list, list, false",
            "*, anything.at.all, true",
            "*, '', true",
            "batch.*, batch.submit, true",
            "batch.*, batch., true",
            "batch.*, batchx.submit, false",
            "server.?reate, server.create, true",
            "server.?reate, server.reate, false",
            "*.*.create, a.b.create, true",
            "*.*.create, a.create, false",
            "s*e*e, server.create, true",
            "Server.create, server.create, false",
            "help, help, true",
            "help, helper, false",
            "**, x, true",
    })
    void globMatching(String glob, String name, boolean expected) {
        assertThat(ModeDecider.matches(glob, name)).as("'%s' ~ '%s'", glob, name).isEqualTo(expected);
    }

    @Test
    void flagsWinOverEverything() {
        assertThat(ModeDecider.decide("server.list", Requested.ORCHESTRATED, exec("direct", true)))
                .isEqualTo(new Decision(Mode.ORCHESTRATED, false, "--orchestrated"));
        assertThat(ModeDecider.decide("server.create", Requested.DIRECT, exec("orchestrated", true)))
                .isEqualTo(new Decision(Mode.DIRECT, false, "--direct"));
    }

    @Test
    void autoUsesTheForceLists() {
        Decision create = ModeDecider.decide("server.create", Requested.NONE, exec("auto", true));
        assertThat(create.mode()).isEqualTo(Mode.ORCHESTRATED);
        assertThat(create.fallbackAllowed()).isTrue();
        assertThat(create.reason()).contains("force_orchestrated", "'server.create'");
        assertThat(ModeDecider.decide("server.list", Requested.NONE, exec("auto", true)))
                .isEqualTo(new Decision(Mode.DIRECT, false, "force_direct pattern '*.list'"));
        assertThat(ModeDecider.decide("batch.submit", Requested.NONE, exec("auto", false)))
                .isEqualTo(new Decision(Mode.ORCHESTRATED, false, "force_orchestrated pattern 'batch.*'"));
    }

    @Test
    void forceListsWinOverDefaultMode() {
        assertThat(ModeDecider.decide("server.create", Requested.NONE, exec("direct", true)).mode()).isEqualTo(Mode.ORCHESTRATED);
        assertThat(ModeDecider.decide("server.list", Requested.NONE, exec("orchestrated", true)).mode()).isEqualTo(Mode.DIRECT);
    }

    @Test
    void unmatchedOperationsFollowDefaultMode() {
        assertThat(ModeDecider.decide("taskserv.update", Requested.NONE, exec("auto", true)).mode()).isEqualTo(Mode.DIRECT);
        assertThat(ModeDecider.decide("taskserv.update", Requested.NONE, exec("direct", true)).mode()).isEqualTo(Mode.DIRECT);
        Decision o = ModeDecider.decide("taskserv.update", Requested.NONE, exec("orchestrated", true));
        assertThat(o.mode()).isEqualTo(Mode.ORCHESTRATED);
        assertThat(o.fallbackAllowed()).isTrue();
        assertThat(o.reason()).contains("default_mode");
    }

    @Test
    void theMoreSpecificPatternWinsWhenBothListsMatch() {
        // workflow.list matches 'workflow.*' (9 literal characters) and '*.list' (5): orchestrated.
        assertThat(ModeDecider.decide("workflow.list", Requested.NONE, exec("auto", true)).mode()).isEqualTo(Mode.ORCHESTRATED);
        // an exact force_direct entry beats a wildcard force_orchestrated one
        Config.Execution e = new Config.Execution("auto", true, List.of("server.*"), List.of("server.create"));
        assertThat(ModeDecider.decide("server.create", Requested.NONE, e).mode()).isEqualTo(Mode.DIRECT);
        // a tie goes to orchestrated
        Config.Execution tie = new Config.Execution("auto", true, List.of("x.*"), List.of("*.y"));
        assertThat(ModeDecider.decide("x.y", Requested.NONE, tie).mode()).isEqualTo(Mode.ORCHESTRATED);
    }

    @Test
    void fallbackIsOnlyForDecisionsNotMadeByAFlag() {
        assertThat(ModeDecider.decide("server.create", Requested.NONE, exec("auto", false)).fallbackAllowed()).isFalse();
        assertThat(ModeDecider.decide("server.create", Requested.ORCHESTRATED, exec("auto", true)).fallbackAllowed()).isFalse();
    }
}
