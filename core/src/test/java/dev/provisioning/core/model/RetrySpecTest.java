package dev.provisioning.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetrySpecTest {
    static RetrySpec spec(RetrySpec.Backoff b, double jitter) {
        return new RetrySpec(5, b, Duration.ofMillis(250), Duration.ofSeconds(3), jitter);
    }

    @Test
    void exponentialDoublesUpToTheCap() {
        RetrySpec p = spec(RetrySpec.Backoff.exponential, 0);
        assertThat(p.delayAfter(1, 0.9)).isEqualTo(Duration.ofMillis(250));
        assertThat(p.delayAfter(2, 0.9)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.delayAfter(4, 0.9)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.delayAfter(5, 0.9)).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.delayAfter(Integer.MAX_VALUE, 0.9)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void linearAndFixed() {
        assertThat(spec(RetrySpec.Backoff.linear, 0).delayAfter(3, 0.1)).isEqualTo(Duration.ofMillis(750));
        assertThat(spec(RetrySpec.Backoff.linear, 0).delayAfter(Integer.MAX_VALUE, 0.1)).isEqualTo(Duration.ofSeconds(3));
        assertThat(spec(RetrySpec.Backoff.fixed, 0).delayAfter(7, 0.1)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void jitterSpreadsTheDelayWithinItsFraction() {
        RetrySpec p = spec(RetrySpec.Backoff.fixed, 0.2);
        assertThat(p.delayAfter(1, 0.0)).isEqualTo(Duration.ofMillis(200));
        assertThat(p.delayAfter(1, 0.5)).isEqualTo(Duration.ofMillis(250));
        assertThat(p.delayAfter(1, 0.999999)).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void initialAboveTheCapIsCappedAndBadValuesAreRejected() {
        RetrySpec p = new RetrySpec(2, RetrySpec.Backoff.exponential, Duration.ofMinutes(10), Duration.ofMinutes(1), 0);
        assertThat(p.maxDelay()).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> new RetrySpec(0, RetrySpec.Backoff.fixed, Duration.ZERO, Duration.ZERO, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySpec(1, RetrySpec.Backoff.fixed, Duration.ZERO, Duration.ZERO, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonRoundTrip() {
        RetrySpec p = spec(RetrySpec.Backoff.linear, 0.3);
        assertThat(RetrySpec.fromJson(p.toJson())).isEqualTo(p);
        assertThat(RetrySpec.fromJson(null)).isEqualTo(RetrySpec.DEFAULT);
    }
}
