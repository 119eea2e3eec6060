package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.Api;
import dev.provisioning.cli.client.LogsClient;
import dev.provisioning.cli.client.OrchestratorClient;
import dev.provisioning.core.model.TaskState;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code provisioning workflow logs ID [TASK] [-f]}: a task's stdout (to stdout) and stderr (to stderr), from
 * {@code GET /tasks/{id}/logs}. Without TASK, every task of the workflow, each line prefixed by the task's key.
 * {@code -f} polls the logs until the task (or workflow) ends: the daemon answers the last MiB of an attempt's log
 * and takes no offset, so the CLI keeps its own place in the text and prints only what is new.
 */
@Command(name = "logs",
        description = {"Print a task's stdout and stderr (its current attempt's; see --attempt). The task's stdout "
                + "goes to stdout and its stderr to stderr. Without TASK, the logs of every task of the workflow that "
                + "has run, each line prefixed with 'KEY | '. With -f, follow them until the task (without TASK: the "
                + "workflow) ends, including the next attempts of a task that is retried.",
                "",
                "Exit codes of logs: 0 printed (also when a task has not run yet); 3 the orchestrator is unreachable; "
                        + "4 no such workflow, task, or attempt."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning workflow logs 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e",
                "  provisioning workflow logs 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e server-cp-1 -f",
                "  provisioning workflow logs 0b6f7c1e-2d1c-4a53-9f0e-4d2c8f1a9b3e server-cp-1 --attempt 1 2>/dev/null"})
public final class WorkflowLogsCommand extends BaseCommand {
    /** How often {@code -f} asks for new output. */
    static Duration poll = Duration.ofMillis(500);
    /** The daemon's log window: earlier output of a longer log is not served. */
    private static final String DROPPED = "[... earlier output dropped: the orchestrator serves the last MiB of a log]";

    @Parameters(index = "0", paramLabel = "ID", description = "The workflow id.")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TASK",
            description = "A task key (as in the workflow file) or task id. Default: every task of the workflow.")
    String task;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the task or workflow ends.")
    boolean follow;

    @Option(names = "--attempt", paramLabel = "N", description = "This attempt's logs instead of the current one's.")
    Integer attempt;

    private LogsClient logs;
    private int keyWidth;
    private final Map<String, Follower> followers = new HashMap<>();

    @Override
    public Integer call() {
        if (id.isBlank()) throw CliException.usage("the workflow ID must not be empty", "ID");
        if (attempt != null && attempt < 1) throw CliException.usage("--attempt must be 1 or more", "--attempt");
        if (attempt != null && follow) throw CliException.usage("--attempt and --follow do not go together", "--attempt");
        OrchestratorClient client = main().connect();
        logs = new LogsClient(client, main().daemon().token(), Duration.ofSeconds(main().config().orchestrator().timeoutSeconds()));
        Api.Workflow w = client.workflow(id);
        List<Api.Task> scope = select(w);
        for (Api.Task t : scope) keyWidth = Math.max(keyWidth, key(t).length());
        if (!follow) {
            for (Api.Task t : scope) once(t);
            return ExitCode.OK;
        }
        while (true) {
            boolean over = task == null ? WorkflowWatcher.terminal(w.state()) : taskOver(scope.get(0));
            for (Api.Task t : scope) pump(t, over);
            if (over) return ExitCode.OK;
            if (!sleep()) return ExitCode.OK;
            w = client.workflow(id);
            scope = select(w);
        }
    }

    /** The task TASK names (by key, else by id), or every task; E_NOT_FOUND (exit 4) for an unknown one. */
    private List<Api.Task> select(Api.Workflow w) {
        List<Api.Task> all = w.tasks() == null ? List.of() : w.tasks();
        if (task == null) return all;
        Optional<Api.Task> t = all.stream().filter(x -> task.equals(x.key())).findFirst()
                .or(() -> all.stream().filter(x -> task.equals(x.id())).findFirst());
        if (t.isEmpty())
            throw new CliException(ExitCode.NOT_FOUND, "E_NOT_FOUND", "workflow " + w.id() + " has no task '" + task + "'; its tasks: "
                    + String.join(", ", all.stream().map(WorkflowLogsCommand::key).toList()), "TASK");
        return List.of(t.get());
    }

    /** Without {@code -f}: the whole log of the task's current attempt (or {@code --attempt}). */
    private void once(Api.Task t) {
        Integer n = attempt != null ? attempt : t.attempt();
        if (n == null || n < 1) {
            if (task != null) err().println("task " + key(t) + " has not run yet (" + t.state() + "); no logs");
            return;
        }
        Optional<String> out = logs.log(t.id(), "stdout", n);
        if (out.isEmpty()) {
            if (attempt != null && task != null)
                throw new CliException(ExitCode.NOT_FOUND, "E_NOT_FOUND", "task " + key(t) + " has no attempt " + n, "--attempt");
            return;
        }
        emit(t, out.get(), out());
        logs.log(t.id(), "stderr", n).ifPresent(text -> emit(t, text, err()));
    }

    /** With {@code -f}: prints what is new in the task's logs; {@code over}: the last look, print partial lines too. */
    private void pump(Api.Task t, boolean over) {
        Integer n = t.attempt();
        if (n == null || n < 1) return;
        Follower f = followers.get(t.id());
        if (f != null && f.attempt != n) {
            drain(t, f); // the rest of the previous attempt
            emit(t, "--- attempt " + n + " ---\n", err());
            f = null;
        }
        if (f == null) followers.put(t.id(), f = new Follower(n));
        boolean attemptOver = over || !ProgressBoard.running(t.state());
        if (f.drained) return;
        read(t, f, attemptOver);
        f.drained = attemptOver;
    }

    private void drain(Api.Task t, Follower f) {
        if (!f.drained) read(t, f, true);
    }

    private void read(Api.Task t, Follower f, boolean all) {
        logs.log(t.id(), "stdout", f.attempt).ifPresent(text -> show(t, f.out, text, all, out()));
        logs.log(t.id(), "stderr", f.attempt).ifPresent(text -> show(t, f.err, text, all, err()));
    }

    private void show(Api.Task t, Window w, String text, boolean all, PrintWriter to) {
        String chunk = w.next(text, all);
        if (w.dropped) {
            w.dropped = false;
            emit(t, DROPPED + "\n", err());
        }
        emit(t, chunk, to);
    }

    /** Prints {@code text} line by line, each prefixed by the task's key when showing every task. */
    private void emit(Api.Task t, String text, PrintWriter to) {
        if (text.isEmpty()) return;
        String prefix = task == null ? String.format("%-" + Math.max(1, keyWidth) + "s | ", key(t)) : "";
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        for (String line : body.split("\n", -1)) to.println(prefix + line);
        to.flush();
    }

    private boolean taskOver(Api.Task t) {
        try {
            return TaskState.valueOf(t.state()).isTerminal();
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    private static String key(Api.Task t) { return t.key() == null ? t.id() : t.key(); }

    /** False when interrupted: stop following quietly. */
    private static boolean sleep() {
        try {
            Thread.sleep(poll);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One attempt of a task being followed: where its two logs were printed up to. */
    private static final class Follower {
        final int attempt;
        final Window out = new Window();
        final Window err = new Window();
        boolean drained;

        Follower(int attempt) { this.attempt = attempt; }
    }

    /**
     * The place reached in a log the daemon serves whole each time (its last MiB). {@link #next} gives the text
     * not printed yet: complete lines only, unless {@code all}. When the window has moved (the log grew past a
     * MiB), the place is found again from the last characters printed; failing that, {@link #dropped} is set and
     * the whole window follows.
     */
    static final class Window {
        static final int ANCHOR = 200;
        private int offset;
        private String anchor = "";
        boolean dropped;

        String next(String text, boolean all) {
            int from;
            if (offset <= text.length() && offset >= anchor.length() && text.startsWith(anchor, offset - anchor.length())) {
                from = offset;
            } else {
                // the window slid forward: what was printed last now ends at or before the old offset; look for
                // ever shorter ends of it, as the start of the anchor may have slid out too
                from = -1;
                for (int len = anchor.length(); len >= Math.min(3, anchor.length()) && len > 0 && from < 0; len /= 2) {
                    int i = text.lastIndexOf(anchor.substring(anchor.length() - len), offset - len);
                    if (i >= 0) from = i + len;
                }
                dropped = from < 0 && !anchor.isEmpty();
                if (from < 0) from = 0;
            }
            int to = all ? text.length() : text.lastIndexOf('\n') + 1;
            offset = Math.max(from, to);
            if (to <= from) return "";
            String printed = anchor + text.substring(from, to);
            anchor = printed.substring(Math.max(0, printed.length() - ANCHOR));
            return text.substring(from, to);
        }
    }
}
