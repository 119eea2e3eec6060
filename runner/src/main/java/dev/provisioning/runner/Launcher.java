package dev.provisioning.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shell launcher of script and command actions: {@code /bin/sh -c SCRIPT provisioning-launch <runDir> <argv...>}.
 * (A nu action records its own exit status and runs as {@code nu ...}, without it.)
 *
 * <p>The {@link Spawner} makes the shell the leader of a new session and process group, so the launcher's pid is
 * the group id that timeouts and cancels signal. {@link #SCRIPT} is a constant: the run dir and the argv only ever arrive as positional
 * parameters, which the script expands quoted ({@code "$@"}); nothing is spliced into it.
 *
 * <p>The script:
 * <ol>
 *   <li>writes {@code pid}: its own pid (= the group id) and that pid's start time in clock ticks (field 22 of
 *       {@code /proc/<pid>/stat}, parsed with shell builtins in a function so {@code "$@"} is untouched), so a
 *       restarted daemon can tell the process from a pid reuse;</li>
 *   <li>installs a no-op TERM handler: the launcher survives a group TERM long enough to record the exit status.
 *       A handler (unlike an ignored signal) is reset to the default on exec, so the child still gets TERM;</li>
 *   <li>runs the argv in the foreground with stdin from {@code /dev/null} and stdout/stderr appended to
 *       {@code stdout.log}/{@code stderr.log} (a trapped signal does not interrupt waiting for a foreground
 *       child: the handler runs after the child ended, so {@code $?} is always the child's status);</li>
 *   <li>writes {@code exit} with the status (128+N if signal N killed the child) and exits with it.</li>
 * </ol>
 * A group KILL kills the launcher too; then there is no {@code exit} file and the runner writes one itself.
 *
 * <p>The script runs no program but the task: only shell builtins, so the launcher costs one {@code sh} start.
 * Each file is one short {@code printf} (a single write); readers accept a file only once it ends in a newline.
 */
final class Launcher {
    static final String ARGV0 = "provisioning-launch";

    static final String SCRIPT = """
            rd=$1
            shift
            w() { shift 19; printf '%s %s\\n' "$$" "$1" > "$rd/pid"; }
            read -r s < "/proc/$$/stat"
            w ${s##*) }
            trap ':' TERM
            "$@" < /dev/null >> "$rd/stdout.log" 2>> "$rd/stderr.log"
            code=$?
            printf '%s\\n' "$code" > "$rd/exit"
            exit "$code"
            """;

    private Launcher() {}

    static List<String> command(Path runDir, List<String> argv) {
        List<String> cmd = new ArrayList<>(argv.size() + 5);
        cmd.add("/bin/sh");
        cmd.add("-c");
        cmd.add(SCRIPT);
        cmd.add(ARGV0);
        cmd.add(runDir.toString());
        cmd.addAll(argv);
        return cmd;
    }
}
