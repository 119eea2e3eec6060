package dev.provisioning.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
            "500ms, 500",
            "30s, 30000",
            "5m, 300000",
            "1h, 3600000",
            "2d, 172800000",
            "1h30m, 5400000",
            "1d2h3m4s5ms, 93784005",
            "90s, 90000",
            "0s, 0",
            "'  45s ', 45000",
            "1m1ms, 60001",
            "007s, 7000"})
    void validDurations(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void msIsNotReadAsMinutesThenGarbage() {
        assertThat(Durations.parse("5ms")).isEqualTo(Duration.ofMillis(5));
        assertThat(Durations.parse("5m5s")).isEqualTo(Duration.ofSeconds(305));
    }

    @ParameterizedTest(name = "''{0}'' is invalid")
    @ValueSource(strings = {"", "   ", "5", "5x", "m5", "-1s", "+1s", "1.5h", "1h 30m", "30S", "1H", "s", "ms",
            "30 s", "1h30", "h1", "30s,", "P1D", "PT30S", "1w", "1y"})
    void invalidDurations(String text) {
        assertThat(Durations.parse(text)).isNull();
    }

    @ParameterizedTest
    @NullSource
    void nullIsInvalid(String text) {
        assertThat(Durations.parse(text)).isNull();
    }

    @Test
    void hugeNumbersAreInvalidNotExceptions() {
        for (String s : new String[] {"99999999999999999999s", "9223372036854775807d", "9223372036854775807s9223372036854775807s"}) {
            assertThatCode(() -> Durations.parse(s)).as(s).doesNotThrowAnyException();
            assertThat(Durations.parse(s)).as(s).isNull();
        }
    }
}
