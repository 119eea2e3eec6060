package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ChangeSignalTest {
    @Test
    @Timeout(30)
    void aWorkflowsEndCutsTheBatchingWaitShortAndOrdinaryChangesDoNot() throws Exception {
        ChangeSignal s = new ChangeSignal();
        long ends = s.ends();
        // an ordinary change does not end the wait: it runs to its timeout and reports no end
        s.bump();
        assertThat(s.awaitEnd(ends, TimeUnit.MILLISECONDS.toNanos(20))).isEqualTo(ends);
        assertThat(s.version()).isEqualTo(1);

        // an end does, from another thread, with a wait far longer than the test's timeout
        Thread t = new Thread(() -> {
            s.bump();
            s.workflowEnded();
        });
        t.start();
        assertThat(s.awaitEnd(ends, TimeUnit.HOURS.toNanos(1))).isEqualTo(ends + 1);
        t.join();
        // an end that came before the wait began is not waited for
        assertThat(s.awaitEnd(ends, TimeUnit.HOURS.toNanos(1))).isEqualTo(ends + 1);
    }
}
