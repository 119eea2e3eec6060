package dev.provisioning.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NuErrorsTest {
    /** Exactly what nu 0.115.1 writes to a file for a long `error make` message. */
    static final String WRAPPED = """
            Error: nu::shell::error

              x create-server: server web-1 already exists in infra wuji with a different
              | spec; delete it first or use the same spec
               ,-[source:1:12]
             1 | error make {msg: "create-server: server web-1 already exists"}
               :            ^^^^^^^^^^^^^^^^^^^
               `----
            """;

    @Test
    void wrappedHeadlineIsJoined() {
        assertThat(NuErrors.headline(WRAPPED)).isEqualTo(
                "create-server: server web-1 already exists in infra wuji with a different spec; delete it first or use the same spec");
    }

    @Test
    void unicodeHeadline() {
        String s = "Error: nu::shell::error\n\n  × boom: disk full\n   ╭─[source:1:1]\n 1 │ fail\n   ╰────\n";
        assertThat(NuErrors.headline(s)).isEqualTo("boom: disk full");
        assertThat(NuErrors.summary(s)).isEqualTo("boom: disk full");
    }

    @Test
    void withoutANushellReportTheLastTextLineIsTheSummary() {
        assertThat(NuErrors.headline("plain failure\n")).isNull();
        assertThat(NuErrors.summary("first\nplain failure\n   `----\n")).isEqualTo("plain failure");
        assertThat(NuErrors.summary("  \n")).isNull();
        assertThat(NuErrors.summary(null)).isNull();
    }

    @Test
    void anXWordOutsideAReportIsNotAHeadline() {
        assertThat(NuErrors.headline("x marks the spot\n")).isNull();
    }
}
