package dev.provisioning.core.model;

import static dev.provisioning.core.model.WorkflowState.Cancelled;
import static dev.provisioning.core.model.WorkflowState.Completed;
import static dev.provisioning.core.model.WorkflowState.Failed;
import static dev.provisioning.core.model.WorkflowState.Pending;
import static dev.provisioning.core.model.WorkflowState.RolledBack;
import static dev.provisioning.core.model.WorkflowState.Running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.provisioning.core.error.ErrorCode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class WorkflowStateTest {

    static final Map<WorkflowState, Set<WorkflowState>> EXPECTED = new EnumMap<>(WorkflowState.class);

    static {
        EXPECTED.put(Pending, EnumSet.of(Running, Completed, Failed, Cancelled));
        EXPECTED.put(Running, EnumSet.of(Completed, Failed, Cancelled, RolledBack));
        EXPECTED.put(Completed, EnumSet.of(RolledBack, Running));   // Running: rollback/resume in progress
        EXPECTED.put(Failed, EnumSet.of(Running, RolledBack));      // resume, rollback
        EXPECTED.put(Cancelled, EnumSet.of(Running, RolledBack));   // resume, rollback
        EXPECTED.put(RolledBack, EnumSet.noneOf(WorkflowState.class));
    }

    @Test
    void canMoveToAgreesWithTheExpectedTableForEveryPair() {
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrder(WorkflowState.values());
        List<String> mismatches = new ArrayList<>();
        for (WorkflowState from : WorkflowState.values())
            for (WorkflowState to : WorkflowState.values()) {
                boolean expected = EXPECTED.get(from).contains(to);
                if (from.canMoveTo(to) != expected)
                    mismatches.add(from + " -> " + to + " expected " + (expected ? "allowed" : "refused"));
            }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void checkMovePassesForAllowedAndThrowsForTheRest() {
        for (WorkflowState from : WorkflowState.values())
            for (WorkflowState to : WorkflowState.values()) {
                if (EXPECTED.get(from).contains(to)) {
                    assertThatCode(() -> from.checkMove("wf-1", to)).as("%s -> %s", from, to).doesNotThrowAnyException();
                } else {
                    assertThatThrownBy(() -> from.checkMove("wf-1", to))
                            .as("%s -> %s", from, to)
                            .isInstanceOf(IllegalTransitionException.class)
                            .hasMessage("workflow wf-1: illegal state change " + from + " -> " + to)
                            .extracting(e -> ((IllegalTransitionException) e).code())
                            .isEqualTo(ErrorCode.ILLEGAL_TRANSITION);
                }
            }
    }

    @ParameterizedTest(name = "{0} -> {1} is illegal")
    @CsvSource({
            "Completed, Failed", "Completed, Pending", "Failed, Completed", "Running, Pending",
            "Cancelled, Completed", "Pending, RolledBack", "Running, Running"})
    void representativeIllegalMoves(WorkflowState from, WorkflowState to) {
        assertThat(from.canMoveTo(to)).isFalse();
        assertThatThrownBy(() -> from.checkMove("wf", to)).isInstanceOf(IllegalTransitionException.class);
    }

    @ParameterizedTest
    @EnumSource(WorkflowState.class)
    void rolledBackGoesNowhere(WorkflowState to) {
        assertThat(RolledBack.canMoveTo(to)).isFalse();
    }

    @Test
    void isTerminal() {
        assertThat(EnumSet.allOf(WorkflowState.class).stream().filter(WorkflowState::isTerminal))
                .containsExactlyInAnyOrder(Completed, Failed, Cancelled, RolledBack);
        assertThat(Pending.isTerminal()).isFalse();
        assertThat(Running.isTerminal()).isFalse();
    }
}
