package dev.provisioning.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.TestSupport.Run;
import org.junit.jupiter.api.Test;

/**
 * {@code workflow monitor ID} and {@code batch monitor ID} through the real command line against the
 * {@link FakeDaemon}'s SSE: stdout is not a terminal here, so plain lines; exit codes per final state.
 */
class WorkflowMonitorCommandTest extends FakeDaemonCommandTest {
    @Test
    void monitorFollowsToCompletedWithPlainLinesAndExits0() {
        daemon.workflows.add(FakeDaemon.workflow("Pending", WorkflowWatcherTest.T1_PENDING, WorkflowWatcherTest.T2_PENDING));
        daemon.workflows.add(WorkflowWatcherTest.DONE);
        daemon.connections.add(FakeDaemon.run(false));
        Run r = cli("workflow", "monitor", "w1", "--no-color");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.OK);
        assertThat(r.out().lines().toList()).containsExactlyElementsOf(WorkflowWatcherTest.COMPLETED_LINES);
        assertThat(r.out()).doesNotContain("\u001b[");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void batchMonitorOfAFailedWorkflowExits1NamingTheStateAndTheTask() {
        daemon.workflows.add(FakeDaemon.workflow("Pending", WorkflowWatcherTest.T1_PENDING, WorkflowWatcherTest.T2_PENDING));
        daemon.workflows.add(WorkflowWatcherTest.FAILED);
        daemon.connections.add(FakeDaemon.run(true));
        Run r = cli("batch", "monitor", "w1");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).contains("kubernetes-cp-1  Failed", "workflow w1 Failed: 2 tasks (1 Completed, 1 Failed)");
        assertThat(r.err()).startsWith("error[E_WORKFLOW_FAILED]: workflow cluster ended Failed")
                .contains("task kubernetes-cp-1 (Failed, attempt 1): exited with code 1: boom");
    }

    @Test
    void anUnknownWorkflowIsOneLineWithE_NOT_FOUNDAndExit4() {
        Run r = cli("workflow", "monitor", "w1");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(r.err().lines().toList()).hasSize(1).first().asString().startsWith("error[E_NOT_FOUND]: no workflow 'w1'");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void helpStatesTheExitCodes() {
        Run r = cli("workflow", "monitor", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("0 the workflow ended Completed", "4 no such").contains("--no-color");
    }
}
