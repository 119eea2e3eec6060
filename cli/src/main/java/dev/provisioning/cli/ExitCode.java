package dev.provisioning.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The exit codes of every {@code provisioning} command. Part of the CLI's contract: never renumber. */
public final class ExitCode {
    /** The command did what it was asked. */
    public static final int OK = 0;
    /** The operation or workflow failed (a task failed, nu exited non-zero, the daemon answered 5xx). */
    public static final int FAILED = 1;
    /** Bad usage or bad input: unknown option, invalid value, invalid config. */
    public static final int USAGE = 2;
    /** The orchestrator daemon could not be reached (or did not come up). */
    public static final int UNREACHABLE = 3;
    /** The workflow, task or other named thing does not exist. */
    public static final int NOT_FOUND = 4;
    /**
     * The daemon refused because of the state of what it was asked about (HTTP 409 {@code E_CONFLICT}), e.g.
     * cancelling a workflow that has already ended or resuming one that has not failed. Nothing was changed; the
     * same command may succeed later, so scripts can tell this apart from bad input (2) and failures (1).
     */
    public static final int CONFLICT = 5;

    /** The exit-code list shown at the end of every command's help. */
    static final Map<String, String> HELP = help();

    private ExitCode() {}

    private static Map<String, String> help() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(" " + OK, "ok");
        m.put(" " + FAILED, "the operation or workflow failed");
        m.put(" " + USAGE, "usage error or bad input (including invalid config)");
        m.put(" " + UNREACHABLE, "the orchestrator daemon is unreachable");
        m.put(" " + NOT_FOUND, "not found");
        m.put(" " + CONFLICT, "the workflow's state does not allow it (409 E_CONFLICT)");
        return java.util.Collections.unmodifiableMap(m);
    }
}
