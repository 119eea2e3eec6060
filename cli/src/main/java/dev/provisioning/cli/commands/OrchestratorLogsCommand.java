package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code provisioning orchestrator logs [-f] [-n N]}: the last lines of {@code <data dir>/orchestrator.log} (the
 * daemon's output when {@code orchestrator start} started it), and with {@code -f} what is appended to it.
 */
@Command(name = "logs",
        description = {"Print the last lines of the orchestrator's log, <data dir>/orchestrator.log (written when "
                + "'provisioning orchestrator start' or auto-start started the daemon). With -f, keep printing what "
                + "is appended until Ctrl-C; a log that shrinks (rotated or truncated) is read again from its start.",
                "",
                "Exit codes of logs: 0 printed; 4 there is no log in the data dir."},
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  provisioning orchestrator logs", "  provisioning orchestrator logs -n 200",
                "  provisioning orchestrator logs -f"})
public final class OrchestratorLogsCommand extends BaseCommand {
    /** How often {@code -f} looks at the file. */
    static Duration poll = Duration.ofMillis(250);

    @Option(names = {"-f", "--follow"}, description = "Keep printing what is appended to the log, until Ctrl-C.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "50",
            description = "How many of the last lines to print first (default: ${DEFAULT-VALUE}; 0: none).")
    int lines;

    @Override
    public Integer call() {
        if (lines < 0) throw CliException.usage("-n must be 0 or more, not " + lines, "-n");
        Path log = main().daemon().logFile();
        if (!Files.isRegularFile(log))
            throw new CliException(ExitCode.NOT_FOUND, "E_NOT_FOUND", "no orchestrator log at " + log
                    + "; it is written when 'provisioning orchestrator start' starts the daemon", log.toString());
        try {
            long pos = printTail(log, lines, out());
            if (follow) follow(log, pos, out(), err());
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "E_IO", "cannot read " + log + ": " + e.getMessage(), log.toString());
        }
        return ExitCode.OK;
    }

    /** Prints the last {@code n} lines of the file; returns its length, where following starts. */
    static long printTail(Path file, int n, PrintWriter out) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long end = f.length();
            long start = n == 0 ? end : 0;
            // walk back from the end, block by block, to the n-th line end; the file's last byte is left out: a
            // '\n' there ends the last line, it does not start one
            byte[] buf = new byte[8192];
            int seen = 0;
            long p = end - 1;
            scan:
            while (n > 0 && p > 0) {
                int len = (int) Math.min(buf.length, p);
                f.seek(p - len);
                f.readFully(buf, 0, len);
                for (int i = len - 1; i >= 0; i--) {
                    if (buf[i] == '\n' && ++seen == n) {
                        start = p - len + i + 1;
                        break scan;
                    }
                }
                p -= len;
            }
            print(f, start, end, out);
            return end;
        }
    }

    /** Prints what is appended from {@code pos} on, until interrupted. */
    static void follow(Path file, long pos, PrintWriter out, PrintWriter err) throws IOException {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!Files.exists(file)) continue; // rotated away: wait for the new one
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long len = f.length();
                if (len < pos) {
                    err.println("note: " + file + " shrank (rotated or truncated); reading it from the start");
                    err.flush();
                    pos = 0;
                }
                if (len > pos) {
                    print(f, pos, len, out);
                    pos = len;
                }
            }
        }
    }

    private static void print(RandomAccessFile f, long from, long to, PrintWriter out) throws IOException {
        byte[] b = new byte[(int) Math.min(Integer.MAX_VALUE - 8, to - from)];
        f.seek(from);
        f.readFully(b);
        out.print(new String(b, StandardCharsets.UTF_8));
        out.flush();
    }
}
