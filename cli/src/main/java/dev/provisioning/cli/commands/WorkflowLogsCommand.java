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
 * {@code -f} polls the logs until the task (or workflow) ends, reading each log from the offset where the last read
 * ended ({@code ?offset=N}): nothing is fetched twice and nothing is skipped, however long the log.
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
        checkWorkflowId(id);
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

    /**
     * With {@code -f}: prints what is new in the task's logs, read from where the last read ended. An attempt
     * that gave way to the next one is read to its end first; {@code over}: the last look, print partial lines too.
     */
    private void pump(Api.Task t, boolean over) {
        Integer n = t.attempt();
        if (n == null || n < 1) return;
        Follower f = followers.get(t.id());
        if (f == null) followers.put(t.id(), f = new Follower(n));
        while (f.attempt < n) { // an attempt has ended once the next one exists (also one skipped between two polls)
            read(t, f, true);
            followers.put(t.id(), f = new Follower(f.attempt + 1));
            emit(t, "--- attempt " + f.attempt + " ---\n", err());
        }
        read(t, f, over);
    }

    /** Reads both logs of the follower's attempt from their offsets; {@code last}: print a partial last line too. */
    private void read(Api.Task t, Follower f, boolean last) {
        if (f.done) return;
        boolean outDone = f.out.read(t.id(), "stdout", f.attempt, last);
        boolean errDone = f.err.read(t.id(), "stderr", f.attempt, last);
        emit(t, f.out.take(outDone || last), out());
        emit(t, f.err.take(errDone || last), err());
        f.done = outDone && errDone;
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

    /** One attempt of a task being followed: where each of its two logs has been read to. */
    private final class Follower {
        final int attempt;
        final Tail out = new Tail();
        final Tail err = new Tail();
        /** Both logs were read to their end after the attempt ended. */
        boolean done;

        Follower(int attempt) { this.attempt = attempt; }
    }

    /**
     * One log read by offset: the bytes not printed yet (a partial last line waits for its end, so a multi-byte
     * character split between two reads is whole again).
     */
    private final class Tail {
        private long offset;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        /** Reads to the log's end (as of the read); true when the attempt had ended, so the log is whole. */
        boolean read(String taskId, String stream, int attempt, boolean toTheEnd) {
            while (true) {
                Optional<LogsClient.Chunk> c = logs.read(taskId, stream, attempt, offset);
                if (c.isEmpty()) return toTheEnd; // no such attempt (yet)
                pending.writeBytes(c.get().bytes());
                offset = c.get().next();
                if (c.get().atEnd() || c.get().bytes().length == 0) return c.get().complete();
            }
        }

        /** The complete lines read so far, or everything when {@code all}. */
        String take(boolean all) {
            byte[] b = pending.toByteArray();
            int end = b.length;
            if (!all) while (end > 0 && b[end - 1] != '\n') end--;
            pending.reset();
            pending.write(b, end, b.length - end);
            return new String(b, 0, end, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
