package dev.provisioning.core.model;

import static dev.provisioning.core.model.TaskState.Cancelled;
import static dev.provisioning.core.model.TaskState.Completed;
import static dev.provisioning.core.model.TaskState.Failed;
import static dev.provisioning.core.model.TaskState.Pending;
import static dev.provisioning.core.model.TaskState.Ready;
import static dev.provisioning.core.model.TaskState.RetryWait;
import static dev.provisioning.core.model.TaskState.RollbackFailed;
import static dev.provisioning.core.model.TaskState.RolledBack;
import static dev.provisioning.core.model.TaskState.RollingBack;
import static dev.provisioning.core.model.TaskState.Running;
import static dev.provisioning.core.model.TaskState.Skipped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class TaskStateTest {

    /** The allowed-transition table, written out independently from DESIGN.md and the state diagram. */
    static final Map<TaskState, Set<TaskState>> EXPECTED = new EnumMap<>(TaskState.class);

    static {
        EXPECTED.put(Pending, EnumSet.of(Ready, Skipped, Cancelled));
        EXPECTED.put(Ready, EnumSet.of(Running, Skipped, Cancelled));
        EXPECTED.put(Running, EnumSet.of(Completed, Failed, RetryWait, Cancelled));
        EXPECTED.put(RetryWait, EnumSet.of(Ready, Failed, Cancelled, Skipped));
        EXPECTED.put(Completed, EnumSet.of(RollingBack));
        EXPECTED.put(Failed, EnumSet.of(Pending));         // resume
        EXPECTED.put(Cancelled, EnumSet.of(Pending));      // resume
        EXPECTED.put(Skipped, EnumSet.of(Pending));        // resume
        EXPECTED.put(RollingBack, EnumSet.of(RolledBack, RollbackFailed));
        EXPECTED.put(RolledBack, EnumSet.noneOf(TaskState.class));
        EXPECTED.put(RollbackFailed, EnumSet.of(RollingBack)); // retry the rollback
    }

    static Stream<Arguments> allowedMoves() {
        List<Arguments> out = new ArrayList<>();
        EXPECTED.forEach((from, tos) -> tos.forEach(to -> out.add(Arguments.of(from, to))));
        return out.stream();
    }

    @Test
    void expectedTableCoversEveryState() {
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrder(TaskState.values());
    }

    @Test
    void canMoveToAgreesWithTheExpectedTableForEveryPair() {
        List<String> mismatches = new ArrayList<>();
        for (TaskState from : TaskState.values())
            for (TaskState to : TaskState.values()) {
                boolean expected = EXPECTED.get(from).contains(to);
                if (from.canMoveTo(to) != expected)
                    mismatches.add(from + " -> " + to + " expected " + (expected ? "allowed" : "refused"));
            }
        assertThat(mismatches).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("allowedMoves")
    void everyAllowedMovePassesCheckMove(TaskState from, TaskState to) {
        assertThat(from.canMoveTo(to)).isTrue();
        assertThatCode(() -> from.checkMove("t-1", to)).doesNotThrowAnyException();
    }

    @Test
    void everyRefusedMoveThrowsIllegalTransition() {
        int refused = 0;
        for (TaskState from : TaskState.values())
            for (TaskState to : TaskState.values()) {
                if (EXPECTED.get(from).contains(to)) continue;
                refused++;
                assertThatThrownBy(() -> from.checkMove("t-1", to))
                        .as("%s -> %s", from, to)
                        .isInstanceOf(IllegalTransitionException.class);
            }
        // 11 states: 121 pairs, of which 21 are allowed.
        assertThat(EXPECTED.values().stream().mapToInt(Set::size).sum()).isEqualTo(21);
        assertThat(refused).isEqualTo(121 - 21);
    }

    static Stream<Arguments> representativeIllegalMoves() {
        return Stream.of(
                Arguments.of(Completed, Running),
                Arguments.of(Pending, Completed),
                Arguments.of(Pending, Running),       // must be Ready (claimed) first
                Arguments.of(Ready, Completed),
                Arguments.of(Running, Pending),
                Arguments.of(Running, Skipped),
                Arguments.of(Completed, Pending),     // resume keeps completed tasks
                Arguments.of(Completed, Failed),
                Arguments.of(Failed, Running),
                Arguments.of(RetryWait, Running),     // must go through Ready
                Arguments.of(Skipped, Ready),
                Arguments.of(Running, Running),       // no self loops
                Arguments.of(Failed, RollingBack),    // only completed work is rolled back
                Arguments.of(RollingBack, Completed));
    }

    @ParameterizedTest(name = "{0} -> {1} is illegal")
    @MethodSource("representativeIllegalMoves")
    void representativeIllegalMovesThrowWithCodeAndMessage(TaskState from, TaskState to) {
        assertThat(from.canMoveTo(to)).isFalse();
        assertThatThrownBy(() -> from.checkMove("task-42", to))
                .isInstanceOf(IllegalTransitionException.class)
                .isInstanceOf(ProvisioningException.class)
                .hasMessage("task task-42: illegal state change " + from + " -> " + to)
                .satisfies(e -> {
                    ProvisioningException pe = (ProvisioningException) e;
                    assertThat(pe.code()).isEqualTo(ErrorCode.ILLEGAL_TRANSITION);
                    assertThat(pe.code().httpStatus()).isEqualTo(409);
                    assertThat(pe.where()).isEqualTo("task-42");
                });
    }

    @ParameterizedTest
    @EnumSource(TaskState.class)
    void rolledBackIsAFinalSinkAndNoSelfLoopsExist(TaskState to) {
        assertThat(RolledBack.canMoveTo(to)).isFalse();
        assertThatThrownBy(() -> RolledBack.checkMove("t", to)).isInstanceOf(IllegalTransitionException.class);
        assertThat(to.canMoveTo(to)).as("%s -> itself", to).isFalse();
    }

    @Test
    void isTerminal() {
        assertThat(EnumSet.allOf(TaskState.class).stream().filter(TaskState::isTerminal))
                .containsExactlyInAnyOrder(Completed, Failed, Cancelled, Skipped, RolledBack, RollbackFailed);
        assertThat(EnumSet.allOf(TaskState.class).stream().filter(s -> !s.isTerminal()))
                .containsExactlyInAnyOrder(Pending, Ready, Running, RetryWait, RollingBack);
    }

    @Test
    void sourcesOfRepresentativeTargets() {
        assertThat(TaskState.sourcesOf(Pending)).containsExactlyInAnyOrder(Failed, Cancelled, Skipped);
        assertThat(TaskState.sourcesOf(Ready)).containsExactlyInAnyOrder(Pending, RetryWait);
        assertThat(TaskState.sourcesOf(Running)).containsExactly(Ready);
        assertThat(TaskState.sourcesOf(Cancelled)).containsExactlyInAnyOrder(Pending, Ready, Running, RetryWait);
        assertThat(TaskState.sourcesOf(Skipped)).containsExactlyInAnyOrder(Pending, Ready, RetryWait);
        assertThat(TaskState.sourcesOf(Failed)).containsExactlyInAnyOrder(Running, RetryWait);
        assertThat(TaskState.sourcesOf(RollingBack)).containsExactlyInAnyOrder(Completed, RollbackFailed);
    }

    @ParameterizedTest
    @EnumSource(TaskState.class)
    void sourcesOfIsTheInverseOfTheExpectedTable(TaskState next) {
        Set<TaskState> expected = EnumSet.noneOf(TaskState.class);
        EXPECTED.forEach((from, tos) -> { if (tos.contains(next)) expected.add(from); });
        assertThat(TaskState.sourcesOf(next)).containsExactlyInAnyOrderElementsOf(expected);
    }
}
