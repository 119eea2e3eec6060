package dev.provisioning.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.port.Runner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each attempt as an OS process that leads its own process group, started by a {@link Spawner}
 * ({@code posix_spawn} on a JDK 22+, else ProcessBuilder with {@code setsid}): a nu action as {@code nu} itself
 * (its wrapper records its exit status), a script or command under the constant shell {@link Launcher} (which
 * records theirs). The daemon holds no pipes: {@code stdout.log}, {@code stderr.log}, {@code exit},
 * {@code result.json} and (the launcher's) {@code pid} are files in the attempt's run dir. The daemon itself writes
 * none of them on the way to a task's start: each create costs up to half a millisecond of kernel time on a busy
 * ext4; a nu attempt is found after a restart by its working directory instead ({@link #reattach}).
 *
 * <p>One scheduler thread, shared by all attempts, tails every running attempt's {@code stdout.log} every
 * {@value #TICK_MILLIS} ms for {@code PROGRESS:}/{@code CHECKPOINT:} lines, fires timeouts, escalates TERM to KILL
 * and delivers {@link AttemptListener#exited} (exactly once, after a final drain of stdout). All of an attempt's
 * listener calls come from that thread, in order.
 *
 * <p>When the launcher ends, the runner makes sure no process of the group is left before it reports the exit:
 * leftovers (e.g. a background {@code sleep} the task forgot) get TERM, then KILL after the grace period.
 *
 * <p>{@link #close()} stops the thread but leaves running attempts alone: they outlive the daemon, and a restarted
 * daemon picks them up with {@link #reattach}.
 */
public final class ProcessRunner implements Runner {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRunner.class);
    static final long TICK_MILLIS = 100;
    /** Most bytes of one attempt's stdout read per tick, so that one chatty task cannot stall the others. */
    private static final long MAX_BYTES_PER_TICK = 1 << 20;
    /** After KILL, how long to wait for the group to disappear before reporting anyway. */
    private static final Duration KILL_SETTLE = Duration.ofSeconds(5);
    private static final long GROUP_POLL_MILLIS = 25;
    /** How many times (1 ms apart) an {@code exit} file that exists but is incomplete is read again. */
    private static final int EXIT_FILE_LOOKS = 50;

    private final RunnerSettings settings;
    private final ActionValidator validator;
    private final String nu;
    private final Spawner spawner;
    private final ProcessGroups groups;
    private final AttemptEnvironment environment;
    private final ScheduledExecutorService exec;
    /** The read buffer of every attempt's stdout tail: they are all polled on {@link #exec}'s one thread. */
    private final ByteBuffer tailBuffer = LineTail.buffer();
    private final Set<Attempt> running = ConcurrentHashMap.newKeySet();
    private final ExitWatch exitWatcher;
    private volatile boolean closed;

    /** A runner whose validator confines actions to {@code settings.libDirs()}. */
    public ProcessRunner(RunnerSettings settings) {
        this(settings, new ActionValidator(settings.libDirs()));
    }

    /**
     * @param settings  the nu binary, lib dirs, env, kill grace and call-back details
     * @param validator validates every action again before it runs (defense in depth)
     * @throws ProvisioningException {@code E_CONFIG_INVALID} if {@code nu}, {@code kill} or (ProcessBuilder only)
     *                               {@code setsid} cannot be found
     */
    public ProcessRunner(RunnerSettings settings, ActionValidator validator) {
        this(settings, validator, Spawners.system());
    }

    /** As {@link #ProcessRunner(RunnerSettings, ActionValidator)}, starting processes with {@code spawner}. */
    public ProcessRunner(RunnerSettings settings, ActionValidator validator, Spawner spawner) {
        this.spawner = Objects.requireNonNull(spawner, "spawner");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.nu = resolveExecutable(settings.nuBinary(), "nushell.binary",
                "install Nushell or set nushell.binary to its path").toString();
        this.groups = new ProcessGroups(Spawners.systemTool("kill"));
        // inotify itself along with posix_spawn; the JDK's WatchService along with ProcessBuilder. (Created once the
        // checks above passed: it owns a thread.)
        this.exitWatcher = spawner instanceof JdkSpawner ? ExitWatcher.create() : ExitWatcher.best();
        if (settings.taskNice() > 0 && !spawner.setsNice())
            LOG.info("executor.task_nice = {} is not applied when tasks start with {} (it needs a JDK 22 or newer); each "
                    + "task gets a session, and with it a scheduling group, of its own instead", settings.taskNice(), spawner.name());
        this.environment = new AttemptEnvironment(settings);
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "provisioning-runner");
            t.setDaemon(true);
            return t;
        };
        ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, tf);
        // Each attempt schedules its timeout (an hour by default) and its leftovers check, and cancels them when it
        // ends: without this, the cancelled ones stayed queued until their time, one or two per task ever run.
        stpe.setRemoveOnCancelPolicy(true);
        this.exec = stpe;
        exec.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public RunnerSettings settings() { return settings; }

    /** The resolved Nushell binary. */
    public String nuBinary() { return nu; }

    /** How this runner starts processes. */
    public Spawner spawner() { return spawner; }

    /** Timers queued on the runner's thread (the log tick among them). Package-private for tests. */
    int queuedTimers() {
        return ((ScheduledThreadPoolExecutor) exec).getQueue().size();
    }

    /** Attempts started or reattached by this runner that have not reported their exit yet. */
    public int runningCount() { return running.size(); }

    @Override
    public RunHandle start(AttemptSpec spec, AttemptListener listener) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(listener, "listener");
        if (closed) throw new ProvisioningException(ErrorCode.RUNNER_FAILURE, "the runner is closed");
        String where = "task " + spec.taskId();
        Action action = Objects.requireNonNull(spec.action(), "spec.action");
        Path resolved = validator.validate(action, where + ".action"); // the module or script, null for a command
        if (spec.runDir() == null)
            throw new ProvisioningException(ErrorCode.RUNNER_FAILURE, "no run dir for attempt " + spec.attemptNo(), where);
        RunDir rd = new RunDir(spec.runDir().toAbsolutePath().normalize());

        List<String> argv;
        switch (action) {
            case Action.Nu n -> argv = List.of(nu, "--no-config-file", "-c", nuWrapper(resolved, n.function()));
            case Action.Script s -> {
                argv = new ArrayList<>(List.of(nu, "--no-config-file", resolved.toString()));
                argv.addAll(s.argv());
            }
            case Action.Command c -> argv = c.argv();
        }
        for (String a : argv)
            if (a.indexOf('\0') >= 0)
                throw new ProvisioningException(ErrorCode.INVALID_VALUE, "arguments must not contain NUL characters",
                        where + ".action");

        rd.create(where);
        // A nu action records its own exit status (see nuWrapper), so nu itself leads the group: no shell in between.
        // Scripts and commands run under the shell launcher, which records theirs; its own errors (normally none)
        // go where the task's stderr goes.
        boolean shell = !(action instanceof Action.Nu);
        List<String> cmd = shell ? Launcher.command(rd.dir(), argv) : argv;
        Map<String, String> env = environment.of(spec, rd, action, where);

        Spawner.Child p;
        try {
            p = shell ? spawner.spawn(cmd, env, rd.dir(), rd.file(RunDir.STDERR), null, true, settings.taskNice())
                    : spawner.spawn(cmd, env, rd.dir(), rd.file(RunDir.STDOUT), rd.file(RunDir.STDERR), true,
                            settings.taskNice());
        } catch (IOException | RuntimeException e) {
            throw new ProvisioningException(ErrorCode.RUNNER_FAILURE, "cannot start " + (shell ? "the launcher (/bin/sh)"
                    : nu) + " with " + spawner.name() + ": " + e.getMessage(), where, List.of(), e);
        }
        Attempt a = new Attempt(spec, listener, rd, p.pid(), p, -1, shell);
        a.wrapsAtSpawn = ProcessGroups.wrapsSeen();
        // Watched after the spawn, so the creation of the log files wakes nobody; an exit file written before the
        // watch began is found by the look after monitor(). The key is set before monitor() hands the attempt over.
        if (exitWatcher != null) a.watchKey = exitWatcher.watch(rd.dir(), () -> submit(a::exitFileSeen));
        LOG.debug("started {} attempt {} of task {} as process group {} in {}", action.kind(), spec.attemptNo(),
                spec.taskId(), p.pid(), rd.dir());
        a.monitor(Instant.now());
        if (a.watchKey != null && Files.exists(rd.file(RunDir.EXIT))) submit(a::exitFileSeen);
        return a;
    }

    /** {@inheritDoc} <p>One scan of {@code /proc}; the KILL comes from the runner's thread after {@code killGrace}. */
    @Override
    public List<Long> stopStrays(Path runsDir, java.util.Set<Path> keep) {
        // /proc gives each working directory with its symlinks resolved: compare real paths
        Path root = realPath(runsDir);
        java.util.Set<Path> kept = new java.util.HashSet<>();
        for (Path k : keep) kept.add(realPath(k));
        List<Long> stopped = new ArrayList<>();
        ProcessGroups.groupLeadersWorkingUnder(root).forEach((pgid, dir) -> {
            if (kept.contains(dir)) return;
            LOG.warn("process group {} runs in {}, an attempt this daemon no longer runs (taken over by another daemon, "
                    + "or an ended attempt's leftovers): TERM, then KILL after {}", pgid, dir, settings.killGrace());
            groups.signal("TERM", pgid, true);
            stopped.add(pgid);
        });
        if (!stopped.isEmpty())
            schedule(() -> {
                for (long pgid : stopped)
                    if (!ProcessGroups.liveMembers(pgid).isEmpty()) groups.signal("KILL", pgid, true);
            }, settings.killGrace().toMillis());
        return stopped;
    }

    /** {@code p} with its symlinks resolved, or (when it does not exist) made absolute and normalized. */
    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * Picks up an attempt after a daemon restart, from its run dir. Exactly one of:
     * <ul>
     *   <li>the run dir has an {@code exit} file: the outcome is reported to {@code listener.exited} at once;</li>
     *   <li>the launcher recorded in {@code pid} is alive with the same start time, or (no {@code pid} file: a nu
     *       attempt) a process-group leader works in the run dir: the runner follows it as if it had started it (progress,
     *       timeout counted from the process's start, cancel) until it exits;</li>
     *   <li>neither: the attempt was lost; {@code exited} reports exit code -1 and an error starting with
     *       {@code "attempt lost"}, so the scheduler retries it under the task's policy.</li>
     * </ul>
     * Progress lines already in {@code stdout.log} are delivered again (they are idempotent updates).
     */
    @Override
    public RunHandle reattach(AttemptSpec spec, AttemptListener listener) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(listener, "listener");
        if (closed) throw new ProvisioningException(ErrorCode.RUNNER_FAILURE, "the runner is closed");
        RunDir rd = new RunDir(spec.runDir().toAbsolutePath().normalize());
        Optional<RunDir.PidFile> pf = rd.readPid();
        if (pf.isEmpty() && rd.readExit().isEmpty()) pf = adopt(rd);
        long pgid = pf.map(RunDir.PidFile::pid).orElse(-1L);
        if (rd.readExit().isEmpty() && pf.isPresent() && pgid > 1
                && ProcessGroups.isAlive(pgid, pf.get().startTime())) {
            Attempt a = new Attempt(spec, listener, rd, pgid, null, pf.get().startTime());
            // the timeout counts from the process's start (the pid file's time if the kernel does not say)
            Instant started = ProcessHandle.of(pgid).flatMap(ph -> ph.info().startInstant()).orElseGet(() -> {
                try {
                    return Files.getLastModifiedTime(rd.file(RunDir.PID)).toInstant();
                } catch (IOException e) {
                    return Instant.now();
                }
            });
            LOG.info("reattached attempt {} of task {} (process group {})", spec.attemptNo(), spec.taskId(), pgid);
            a.monitor(started);
            return a;
        }
        // Ended (exit file), or lost. The exit file is read again when reporting: it may have just appeared.
        Attempt a = new Attempt(spec, listener, rd, pgid, null, -1);
        a.ended = true;
        running.add(a);
        submit(a::finish);
        return a;
    }

    /**
     * {@inheritDoc}
     * <p>A nu attempt has no {@code pid} file, so one that was spawned and then killed by a signal while the daemon
     * was down (no {@code exit} file, no process) looks like one whose spawn never happened, and runs again under the
     * same number. Only the count differs: it would run again as a lost attempt too.
     */
    @Override
    public boolean neverStarted(Path attemptDir) {
        RunDir rd = new RunDir(attemptDir.toAbsolutePath().normalize());
        if (Files.exists(rd.file(RunDir.PID)) || Files.exists(rd.file(RunDir.EXIT))) return false;
        // A launcher spawned just before the daemon died could still be about to write its pid: it works in the run dir.
        return !ProcessGroups.anyWorkingIn(rd.dir());
    }

    /** Stops the tailer thread. Running attempts keep running (they outlive the daemon) and are not reported. */
    @Override
    public void close() {
        closed = true;
        if (exitWatcher != null) exitWatcher.close();
        exec.shutdownNow();
        try {
            exec.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running.clear();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Records an adopted process's pid and start time in its run dir, so that a later restart finds it at once. */
    private static void writePid(RunDir rd, RunDir.PidFile pf) {
        try {
            rd.writePid(pf.pid(), pf.startTime());
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", rd.file(RunDir.PID), e.toString());
        }
    }

    /**
     * A run dir with neither {@code pid} nor {@code exit} whose attempt is nevertheless running: a nu attempt (the
     * daemon writes no pid file for those, see {@link #start}), or a launcher the daemon died too early to see write
     * its own. The attempt's process leads its own process group and works in its run dir, which identifies it; its pid
     * file is written now.
     */
    private static Optional<RunDir.PidFile> adopt(RunDir rd) {
        Optional<ProcessGroups.Stat> leader = ProcessGroups.groupLeaderWorkingIn(rd.dir());
        if (leader.isEmpty()) return Optional.empty();
        RunDir.PidFile pf = new RunDir.PidFile(leader.get().pid(), leader.get().startTime());
        writePid(rd, pf);
        LOG.info("adopted process {} working in {} (its pid file was never written)", pf.pid(), rd.dir());
        return Optional.of(pf);
    }

    /**
     * The generated wrapper for a nu action. It contains only the validated absolute module path (inside single
     * quotes, from a restricted character set) and the validated function name; the arguments come from the
     * environment. Importing only {@code [function]} makes Nushell itself check that the module exports it.
     * It writes the run dir's {@code exit} file itself (0 after the result is saved; 1 after printing the function's
     * error), because no shell waits for it; a nu killed by a signal writes none, and the daemon records the status
     * it reaps instead (or, if the daemon was down, the attempt is lost and retried).
     * <p>It ends with {@code exit 0}: left to end on its own, {@code nu -c} renders the script's last value, and
     * with no terminal to ask for its size it runs {@code tput cols} and {@code tput lines}, twice. That was a quarter
     * of a trivial task's CPU (4.4 ms of 18, docs/decisions.md D39).
     */
    public static String nuWrapper(Path module, String function) {
        String abs = module.toString();
        if (!ActionValidator.SAFE_ABS_PATH.matcher(abs).matches() || abs.contains("'"))
            throw new ProvisioningException(ErrorCode.MODULE_OUTSIDE_LIB, "unsafe module path: " + abs);
        if (function == null || !ActionValidator.FUNCTION.matcher(function).matches())
            throw new ProvisioningException(ErrorCode.INVALID_FUNCTION, "invalid function name: " + function);
        return "use '" + abs + "' [" + function + "]\n"
                + "let r = try { " + function + " ($env.PROVISIONING_PARAMS | from json) } catch {|e| print -e $e.rendered; "
                + "\"1\\n\" | save -f ($env.PROVISIONING_RUN_DIR | path join exit); exit 1 }\n"
                + "$r | to json -r | save -f $env.PROVISIONING_RESULT_FILE\n"
                + "\"0\\n\" | save -f ($env.PROVISIONING_RUN_DIR | path join exit)\n"
                + "exit 0\n";
    }

    /**
     * Attempts whose launcher ended after their exit had been reported (at the exit file): nothing waits for the
     * follow-up (the group check, leaving {@link #running}), so it runs at the runner thread's next wake-up for
     * another reason, at the latest the next tick, instead of waking it once more per task (D43).
     */
    private final ConcurrentLinkedQueue<Attempt> endedAfterReport = new ConcurrentLinkedQueue<>();

    private void followUpEnded() {
        for (Attempt a; (a = endedAfterReport.poll()) != null; ) runLogged(a::launcherEnded);
    }

    /** {@code r} as the runner thread runs it: after the follow-ups that waited for a wake-up. */
    private Runnable onRunnerThread(Runnable r) {
        return () -> {
            followUpEnded();
            runLogged(r);
        };
    }

    private static void runLogged(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("runner task failed", e);
        }
    }

    private void tick() {
        followUpEnded();
        ProcessGroups.samplePids(); // so that a pid wrap during a long attempt is seen
        for (Attempt a : running) {
            try {
                a.tick();
            } catch (RuntimeException e) {
                LOG.warn("tailing {} failed: {}", a.rd.dir(), e.toString());
            }
        }
    }

    private boolean submit(Runnable r) {
        try {
            exec.execute(onRunnerThread(r));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private ScheduledFuture<?> schedule(Runnable r, long millis) {
        try {
            return exec.schedule(onRunnerThread(r), Math.max(0, millis), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** {@code name} if it holds a '/', else the first executable of that name on {@code PATH}, as an absolute path. */
    public static Path resolveExecutable(String name, String where, String hint) {
        if (name.contains("/")) {
            Path p = Path.of(name).toAbsolutePath().normalize();
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
            throw new ProvisioningException(ErrorCode.CONFIG_INVALID, "'" + name + "' is not an executable file; "
                    + hint, where);
        }
        String path = System.getenv("PATH");
        if (path != null)
            for (String dir : path.split(":")) {
                if (dir.isEmpty()) continue;
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toAbsolutePath();
            }
        throw new ProvisioningException(ErrorCode.CONFIG_INVALID, "'" + name + "' not found on PATH; " + hint, where);
    }

    private enum Stop { TIMEOUT, CANCEL, LEFTOVERS }

    /** One attempt. Its state changes on the runner thread only ({@code reported} is also read where it is reaped). */
    private final class Attempt implements RunHandle {
        final AttemptSpec spec;
        final AttemptListener listener;
        final RunDir rd;
        final long pgid;
        final Spawner.Child process; // our child; null when reattached or not followed
        final long startTime;   // reattached: the launcher's start time from the pid file; else -1
        final boolean shell;    // started under the shell launcher (which records the exit status), not nu itself
        final LineTail out;
        ScheduledFuture<?> timeoutFuture, leftoversFuture;
        Stop stop;
        boolean ended;          // the launcher is gone (or was never followed)
        boolean killSent;
        long killSentNanos;
        Object watchKey;        // watches the run dir for the exit file (see ExitWatch); null if not watched
        long wrapsAtSpawn = -1; // pid wraps seen just after our spawn; -1 when reattached (unknown)
        volatile boolean reported; // listener.exited was called (at the exit file, or when the group was gone)
        OptionalInt recordedExit = OptionalInt.empty(); // the exit file's status, once read whole
        boolean finished;       // reported, and no process of the group is left

        Attempt(AttemptSpec spec, AttemptListener listener, RunDir rd, long pgid, Spawner.Child process, long startTime) {
            this(spec, listener, rd, pgid, process, startTime, true);
        }

        Attempt(AttemptSpec spec, AttemptListener listener, RunDir rd, long pgid, Spawner.Child process, long startTime,
                boolean shell) {
            this.shell = shell;
            this.spec = spec;
            this.listener = listener;
            this.rd = rd;
            this.pgid = pgid;
            this.process = process;
            this.startTime = startTime;
            this.out = new LineTail(rd.file(RunDir.STDOUT), tailBuffer);
        }

        /** Follows the attempt; {@link #launcherEnded} runs when our child has been reaped (not for a reattached one). */
        void monitor(Instant started) {
            running.add(this);
            Duration t = spec.timeout();
            if (t != null && t.isPositive()) {
                long left = t.minus(Duration.between(started, Instant.now())).toMillis();
                timeoutFuture = schedule(() -> terminate(Stop.TIMEOUT), left);
            }
            if (process != null)
                process.onExit().whenComplete((v, e) -> {
                    if (reported) endedAfterReport.add(this);
                    else if (!submit(this::launcherEnded)) LOG.debug("runner closed; not reporting {}", rd.dir());
                });
        }

        @Override
        public long pid() { return pgid; }

        @Override
        public void cancel() {
            if (!submit(() -> terminate(Stop.CANCEL)) && !ended && pgid > 1)
                groups.signal("TERM", pgid, launcherAlive());
        }

        /** Whether the launcher (the group leader) is still alive. Our child stays unreaped until Java reaps it. */
        boolean launcherAlive() {
            if (ended) return false;
            if (process != null) return !process.onExit().isDone();
            return ProcessGroups.isAlive(pgid, startTime);
        }

        /** Called every tick: tails stdout; notices the end of a reattached launcher (not our child). */
        void tick() {
            drain(false);
            if (process == null && !ended && !ProcessGroups.isAlive(pgid, startTime)) launcherEnded();
        }

        void terminate(Stop why) {
            if (finished || stop != null || pgid <= 1) return;
            if (why != Stop.LEFTOVERS && !launcherAlive()) return; // it ended on its own first
            stop = why;
            LOG.info("{} attempt {} of task {}: TERM to process group {}", why == Stop.TIMEOUT ? "timed out:"
                    : why == Stop.CANCEL ? "cancelled:" : "leftover processes after", spec.attemptNo(), spec.taskId(), pgid);
            groups.signal("TERM", pgid, launcherAlive());
            schedule(this::escalate, settings.killGrace().toMillis());
        }

        void escalate() {
            if (finished) return;
            boolean leader = launcherAlive();
            if (leader || !ProcessGroups.liveMembers(pgid, wrapsAtSpawn).isEmpty()) {
                LOG.info("KILL to process group {} (task {} attempt {})", pgid, spec.taskId(), spec.attemptNo());
                groups.signal("KILL", pgid, leader);
                killSent = true;
                killSentNanos = System.nanoTime();
            }
        }

        void launcherEnded() {
            if (finished || ended) return;
            ended = true;
            drain(false);
            awaitGroupGone();
        }

        void awaitGroupGone() {
            if (finished) return;
            if (spawner.groupExists(pgid) == Boolean.FALSE) { // one kill(-pgid, 0) instead of a /proc scan
                finish();
                return;
            }
            List<Long> live = ProcessGroups.liveMembers(pgid, wrapsAtSpawn);
            if (live.isEmpty()) {
                finish();
                return;
            }
            if (stop == null) terminate(Stop.LEFTOVERS);
            if (killSent && System.nanoTime() - killSentNanos > KILL_SETTLE.toNanos()) {
                LOG.warn("process group {} still has {} after KILL; reporting the exit anyway", pgid, live);
                finish();
                return;
            }
            schedule(this::awaitGroupGone, GROUP_POLL_MILLIS);
        }

        void drain(boolean all) {
            if (reported) return;
            try {
                out.poll(all ? 0 : MAX_BYTES_PER_TICK, all, line -> {
                    try {
                        OutputProtocol.line(line, listener);
                    } catch (RuntimeException e) {
                        LOG.warn("listener of task {} failed: {}", spec.taskId(), e.toString());
                    }
                });
            } catch (IOException e) {
                LOG.warn("cannot read {}: {}", rd.file(RunDir.STDOUT), e.toString());
            }
        }

        /**
         * The exit file appeared (the watcher's call, on the runner thread): the task has ended, its result and exit
         * status are written, and nu is tearing down. The exit is reported now, so that dependents need not wait for
         * the teardown; the group is still followed to its end, and leftovers are killed as usual. A process that is
         * still there a grace period later gets the leftover treatment (TERM, then KILL).
         */
        void exitFileSeen() {
            exitFileSeen(0);
        }

        private void exitFileSeen(int looks) {
            if (reported || stop != null) return;
            OptionalInt code = rd.readExit();
            if (code.isEmpty()) {
                // Created but not yet written: the writer is between its open and its one write (the JDK's watch
                // service reports creations; inotify reports the close). Look again shortly; the process's end is
                // the fallback.
                if (looks < EXIT_FILE_LOOKS && Files.exists(rd.file(RunDir.EXIT))) schedule(() -> exitFileSeen(looks + 1), 1);
                return;
            }
            recordedExit = code;
            // Seen: the watch has done its job. Dropped now, the closes of the logs when the process exits wake
            // nobody.
            unwatch();
            report();
            if (!ended) leftoversFuture = schedule(() -> {
                if (!ended && !finished) terminate(Stop.LEFTOVERS);
            }, settings.killGrace().toMillis());
        }

        private void unwatch() {
            if (exitWatcher != null && watchKey != null) exitWatcher.unwatch(watchKey);
            watchKey = null;
        }

        /** The group is gone: stop following the attempt, and report its exit if that was not done yet. */
        void finish() {
            if (finished) return;
            finished = true;
            if (leftoversFuture != null) leftoversFuture.cancel(false);
            running.remove(this);
            unwatch();
            report();
        }

        private void report() {
            if (reported) return;
            if (timeoutFuture != null) timeoutFuture.cancel(false);
            AttemptExit exit;
            try {
                drain(true);
                exit = outcome();
            } catch (RuntimeException e) {
                exit = new AttemptExit(-1, stop == Stop.TIMEOUT, stop == Stop.CANCEL, null, "",
                        "runner failure: " + e);
            } finally {
                reported = true;
                out.close();
            }
            try {
                listener.exited(exit);
            } catch (RuntimeException e) {
                LOG.error("exit listener of task {} attempt {} failed", spec.taskId(), spec.attemptNo(), e);
            }
        }

        private AttemptExit outcome() {
            String tail = rd.stderrTail(RunDir.STDERR_TAIL_BYTES);
            boolean timedOut = stop == Stop.TIMEOUT;
            boolean cancelled = stop == Stop.CANCEL;
            OptionalInt recorded = recordedExit.isPresent() ? recordedExit : rd.readExit();
            int code;
            String error = null;
            if (recorded.isPresent()) {
                code = recorded.getAsInt();
            } else if (process != null) {
                code = process.onExit().exceptionally(e -> -1).getNow(-1); // reaped by now (launcherEnded came first)
                if (shell) error = "the launcher was killed" + (code > 128 ? " by signal " + (code - 128) : "")
                        + " before it recorded the task's exit status (exit " + code + ")";
                else if (code > 128) error = "nu was killed by signal " + (code - 128);
                try {
                    rd.writeExit(code);
                } catch (IOException e) {
                    LOG.warn("cannot write {}: {}", rd.file(RunDir.EXIT), e.toString());
                }
            } else if (startTime < 0) {
                return new AttemptExit(-1, false, false, null, tail, "attempt lost: no exit file in " + rd.dir()
                        + " and no live launcher" + (pgid > 0 ? " (process " + pgid + " is gone)" : "")
                        + "; the daemon probably stopped before the launcher started, or the launcher was killed");
            } else {
                code = -1;
                error = "the launcher (process " + pgid + ") ended without recording an exit status";
            }
            JsonNode result = null;
            try {
                result = rd.readResult();
            } catch (RunDir.InvalidResultException e) {
                if (code == 0 && !timedOut && !cancelled && error == null) error = e.getMessage();
            }
            // A plain non-zero exit, a timeout and a cancel carry no error text: the scheduler describes those
            // (with the last stderr line). 'error' is for what only the runner knows.
            if (timedOut || cancelled) error = null;
            return new AttemptExit(code, timedOut, cancelled, result, tail, error);
        }
    }

}
