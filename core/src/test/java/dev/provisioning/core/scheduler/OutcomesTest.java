package dev.provisioning.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.AttemptOutcome;
import dev.provisioning.core.model.Json;
import dev.provisioning.core.model.Priority;
import dev.provisioning.core.model.Task;
import dev.provisioning.core.model.TaskState;
import dev.provisioning.core.port.Runner.AttemptExit;
import dev.provisioning.core.model.RetrySpec;
import java.util.function.DoubleSupplier;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomesTest {
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    /** 0.5 puts the jitter factor at exactly 1, so delays are exact. */
    private static final DoubleSupplier POLICY = () -> 0.5;

    private static Task task(int maxAttempts, long timeoutMs) {
        return new Task("t-1", "wf-1", "web", new Action.Command(List.of("false")), TaskState.Running, Priority.normal,
                1, new RetrySpec(maxAttempts, RetrySpec.Backoff.exponential, Duration.ofSeconds(1), Duration.ofMinutes(5), 0.2),
                timeoutMs, "wf-1/web", null, 0, null, null, null, null, null, List.of(), null, List.of(), null, 0, false, 1L,
                NOW, NOW, NOW, null);
    }

    private static AttemptExit exit(int code, String stderr) {
        return new AttemptExit(code, false, false, null, stderr, null);
    }

    @Test
    void successCompletesWithTheResult() {
        JsonNode result = Json.read("{\"server\":\"wuji\",\"ip\":\"10.0.0.5\"}");
        AttemptOutcome o = Outcomes.decide(task(3, 60_000), 1, new AttemptExit(0, false, false, result, "some warning\n", null),
                NOW, POLICY);
        assertThat(o.taskId()).isEqualTo("t-1");
        assertThat(o.attemptNo()).isEqualTo(1);
        assertThat(o.next()).isEqualTo(TaskState.Completed);
        assertThat(o.exitCode()).isZero();
        assertThat(o.result()).isEqualTo(result);
        assertThat(o.error()).isNull();
        assertThat(o.nextAttemptAt()).isNull();
        assertThat(o.stderrTail()).isEqualTo("some warning\n");
        assertThat(TaskState.Running.canMoveTo(o.next())).isTrue();
    }

    @Test
    void successOnTheLastAttemptStillCompletes() {
        AttemptOutcome o = Outcomes.decide(task(2, 60_000), 2, exit(0, null), NOW, POLICY);
        assertThat(o.next()).isEqualTo(TaskState.Completed);
        assertThat(o.result()).isNull();
    }

    @Test
    void failureWithAttemptsLeftWaitsForTheBackoff() {
        AttemptOutcome o = Outcomes.decide(task(3, 60_000), 1, exit(2, "Error: connection refused\n"), NOW, POLICY);
        assertThat(o.next()).isEqualTo(TaskState.RetryWait);
        assertThat(o.nextAttemptAt()).isEqualTo(NOW.plusSeconds(1));
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.result()).isNull();
        assertThat(o.error()).isEqualTo("exited with code 2: Error: connection refused");
        assertThat(TaskState.Running.canMoveTo(o.next())).isTrue();

        AttemptOutcome second = Outcomes.decide(task(3, 60_000), 2, exit(2, ""), NOW, POLICY);
        assertThat(second.next()).isEqualTo(TaskState.RetryWait);
        assertThat(second.nextAttemptAt()).isEqualTo(NOW.plusSeconds(2));
    }

    @ParameterizedTest(name = "attempt {0} waits {1}s")
    @CsvSource({"1, 1", "2, 2", "3, 4", "4, 8", "5, 16", "8, 128", "9, 256", "10, 300", "11, 300", "50, 300", "1000, 300"})
    void backoffIsExponentialAndCapped(int attemptNo, long seconds) {
        AttemptOutcome o = Outcomes.decide(task(10_000, 60_000), attemptNo, exit(1, "x"), NOW, POLICY);
        assertThat(o.next()).isEqualTo(TaskState.RetryWait);
        assertThat(o.nextAttemptAt()).isEqualTo(NOW.plusSeconds(seconds));
    }

    @Test
    void attemptsCountFromTheLastResume() {
        Task t = task(2, 60_000);
        Task resumed = new Task(t.id(), t.workflowId(), t.key(), t.action(), t.state(), t.priority(), 3, t.retry(), t.timeoutMs(),
                t.idempotencyKey(), null, 0, null, null, null, null, null, List.of(), null, List.of(), null, 2, false, 1L, NOW, NOW, NOW, null);
        assertThat(Outcomes.decide(resumed, 3, exit(1, "x"), NOW, POLICY).next()).isEqualTo(TaskState.RetryWait);
        assertThat(Outcomes.decide(resumed, 4, exit(1, "x"), NOW, POLICY).next()).isEqualTo(TaskState.Failed);
    }

    @Test
    void lastAttemptFailsWithTheExitCodeAndTheLastStderrLine() {
        String stderr = "starting\nconnecting to api.upcloud.com\nError: quota exceeded for zone fi-hel1\n\n";
        AttemptOutcome o = Outcomes.decide(task(3, 60_000), 3, exit(7, stderr), NOW, POLICY);
        assertThat(o.next()).isEqualTo(TaskState.Failed);
        assertThat(o.nextAttemptAt()).isNull();
        assertThat(o.exitCode()).isEqualTo(7);
        assertThat(o.error()).isEqualTo("exited with code 7: Error: quota exceeded for zone fi-hel1");
        assertThat(o.stderrTail()).isEqualTo(stderr);
    }

    @Test
    void singleAttemptTaskFailsAtOnce() {
        AttemptOutcome o = Outcomes.decide(task(1, 60_000), 1, exit(1, null), NOW, POLICY);
        assertThat(o.next()).isEqualTo(TaskState.Failed);
        assertThat(o.error()).isEqualTo("exited with code 1");
    }

    @Test
    void attemptBeyondTheLimitFails() {
        // e.g. a lost attempt found after a restart
        assertThat(Outcomes.decide(task(2, 60_000), 5, exit(1, "x"), NOW, POLICY).next()).isEqualTo(TaskState.Failed);
    }

    @Test
    void linesMadeOnlyOfBoxDrawingAreSkippedWhenPickingTheLastLine() {
        String stderr = "Error: something broke\n   │\n   ·  \n   ╰────\n";
        AttemptOutcome o = Outcomes.decide(task(1, 60_000), 1, exit(1, stderr), NOW, POLICY);
        assertThat(o.error()).isEqualTo("exited with code 1: Error: something broke");
    }

    /** Verbatim stderr of {@code nu -c 'use create.nu *; create-server {}'} (nu 0.115.1) where the function does
     *  {@code error make {msg: "server wuji already exists"}}: with stderr redirected to a file (as the runner does)
     *  nu draws the frame in ASCII; on a terminal in Unicode. */
    static final String NU_ERROR_ASCII = """
            Error: nu::shell::error

              x server wuji already exists
               ,-[/opt/provisioning/nulib/servers/create.nu:2:16]
             1 | export def create-server [req: record] {
             2 |     error make {msg: "server wuji already exists"}
               :                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
             3 | }
               `----
            """;
    static final String NU_ERROR_UNICODE = """
            Error: nu::shell::error

              × server wuji already exists
               ╭─[/opt/provisioning/nulib/servers/create.nu:2:16]
             1 │ export def create-server [req: record] {
             2 │     error make {msg: "server wuji already exists"}
               ·                ───────────────────────────────────
             3 │ }
               ╰────
            """;

    @Test
    void nushellErrorMakeMessageIsReported() {
        assertThat(Outcomes.decide(task(1, 60_000), 1, exit(1, NU_ERROR_ASCII), NOW, POLICY).error())
                .startsWith("exited with code 1: ").contains("server wuji already exists");
        assertThat(Outcomes.decide(task(1, 60_000), 1, exit(1, NU_ERROR_UNICODE), NOW, POLICY).error())
                .startsWith("exited with code 1: ").contains("server wuji already exists");
    }

    @Test
    void whitespaceOnlyStderrAddsNothingAndWindowsLineEndingsAreStripped() {
        assertThat(Outcomes.decide(task(1, 60_000), 1, exit(3, "  \n\n "), NOW, POLICY).error()).isEqualTo("exited with code 3");
        assertThat(Outcomes.decide(task(1, 60_000), 1, exit(3, "a\r\nlast one\r\n"), NOW, POLICY).error())
                .isEqualTo("exited with code 3: last one");
    }

    @Test
    void veryLongLastLineIsTruncated() {
        String longLine = "x".repeat(1000);
        String error = Outcomes.decide(task(1, 60_000), 1, exit(1, longLine), NOW, POLICY).error();
        assertThat(error).startsWith("exited with code 1: xxx").endsWith("…");
        assertThat(error).hasSize("exited with code 1: ".length() + 300 + 1);
    }

    @Test
    void timeoutIsDescribedAndRetriedWhileAttemptsRemain() {
        AttemptExit timedOut = new AttemptExit(137, true, false, null, "partial output", null);
        AttemptOutcome retry = Outcomes.decide(task(2, 90_000), 1, timedOut, NOW, POLICY);
        assertThat(retry.next()).isEqualTo(TaskState.RetryWait);
        assertThat(retry.error()).isEqualTo("timed out after 1m30s; process group killed");
        assertThat(retry.nextAttemptAt()).isEqualTo(NOW.plusSeconds(1));

        AttemptOutcome last = Outcomes.decide(task(2, 90_000), 2, timedOut, NOW, POLICY);
        assertThat(last.next()).isEqualTo(TaskState.Failed);
        assertThat(last.error()).isEqualTo("timed out after 1m30s; process group killed");
    }

    @Test
    void cancelledIsCancelledEvenWithAttemptsLeft() {
        AttemptOutcome o = Outcomes.decide(task(5, 60_000), 1, new AttemptExit(143, false, true, null, "", null), NOW, POLICY);
        assertThat(o.next()).isEqualTo(TaskState.Cancelled);
        assertThat(o.error()).isEqualTo("cancelled");
        assertThat(o.nextAttemptAt()).isNull();
        assertThat(o.result()).isNull();
        assertThat(TaskState.Running.canMoveTo(o.next())).isTrue();

        // a cancel that raced with a timeout is still a cancel
        AttemptOutcome both = Outcomes.decide(task(5, 60_000), 1, new AttemptExit(143, true, true, null, "", null), NOW, POLICY);
        assertThat(both.next()).isEqualTo(TaskState.Cancelled);
    }

    @Test
    void runnerErrorWinsOverExitCodeZero() {
        // e.g. the process exited 0 but its result.json was not valid JSON
        AttemptExit e = new AttemptExit(0, false, false, null, "", "result.json is not valid JSON: Unexpected character");
        AttemptOutcome o = Outcomes.decide(task(1, 60_000), 1, e, NOW, POLICY);
        assertThat(o.next()).isEqualTo(TaskState.Failed);
        assertThat(o.error()).isEqualTo("result.json is not valid JSON: Unexpected character");
        assertThat(o.exitCode()).isZero();
    }
}
