package dev.provisioning.cli.direct;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.core.action.ActionValidator;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Action;
import dev.provisioning.core.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Direct mode: runs one exported function of a nulib module in a fresh {@code nu}, the way the daemon runs a
 * {@code nu} task, but in the foreground. The generated code holds only the validated, resolved module path and
 * the function name; the parameters travel as JSON in {@code PROVISIONING_PARAMS} and the result comes back as
 * JSON through {@code PROVISIONING_RESULT_FILE}. {@code PROGRESS: <n> <msg>} lines on stdout are reported to
 * {@code onProgress}; other stdout and all stderr lines go to {@code onOutput} as they arrive.
 */
public final class DirectRunner {
    private static final Pattern PROGRESS = Pattern.compile("^PROGRESS:\\s*(\\d{1,3})(?:\\s+(.*))?$");
    private static final int TAIL_LINES = 20;

    /** A {@code PROGRESS:} line. */
    public record Progress(int percent, String message) {}

    private final String nuBinary;
    private final ActionValidator validator;
    private final Map<String, String> envVars;
    private final Path dataDir;
    private final Duration timeout;

    /**
     * @param nuBinary path or name on PATH of {@code nu}
     * @param libDirs  the nulib dirs; modules must resolve inside them
     * @param envVars  extra environment ({@code [nushell] env_vars})
     * @param dataDir  exported as {@code PROVISIONING_DATA_DIR} (the local provider keeps its state there)
     * @param timeout  the run is killed after this long
     */
    public DirectRunner(String nuBinary, List<Path> libDirs, Map<String, String> envVars, Path dataDir, Duration timeout) {
        this.nuBinary = nuBinary;
        this.validator = new ActionValidator(libDirs);
        this.envVars = Map.copyOf(envVars);
        this.dataDir = dataDir;
        this.timeout = timeout;
    }

    /** The {@code nu -c} program for a validated module and function. Only checked characters reach it. */
    static String wrapper(Path module, String function) {
        if (!ActionValidator.SAFE_ABS_PATH.matcher(module.toString()).matches()
                || !ActionValidator.FUNCTION.matcher(function).matches())
            throw new IllegalArgumentException("unvalidated module or function");
        return "use '" + module + "' *\n"
                + "let r = (" + function + " ($env.PROVISIONING_PARAMS | from json))\n"
                + "$r | to json -r | save -f $env.PROVISIONING_RESULT_FILE\n"
                + "exit 0\n"; // else nu renders the last value and, with no terminal, runs tput four times (D39)
    }

    /** Runs {@code function} of {@code module} (relative to a lib dir) with {@code params}; returns its result. */
    public JsonNode run(String module, String function, JsonNode params, Consumer<Progress> onProgress,
                        Consumer<String> onOutput) {
        String where = module + " " + function;
        Path resolved;
        try {
            resolved = validator.validate(new Action.Nu(module, function, params), "action"); // the module's real path
        } catch (ProvisioningException e) {
            throw new CliException(ExitCode.FAILED, e.code().code(), e.getMessage(), e.where());
        }
        Path resultFile = null;
        try {
            Files.createDirectories(dataDir);
            resultFile = Files.createTempFile("provisioning-result-", ".json");
            ProcessBuilder pb = new ProcessBuilder(nuBinary, "--no-config-file", "-c", wrapper(resolved, function));
            Map<String, String> env = pb.environment();
            env.putAll(envVars);
            env.put("PROVISIONING_PARAMS", Json.write(params));
            env.put("PROVISIONING_RESULT_FILE", resultFile.toString());
            env.put("PROVISIONING_DATA_DIR", dataDir.toString());
            env.put("NU_LIB_DIRS", validator.libDirs().stream().map(Path::toString).collect(Collectors.joining(":")));
            env.put("NO_COLOR", "1");
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new CliException(ExitCode.FAILED, "E_NU_NOT_FOUND",
                        "cannot start Nushell '" + nuBinary + "': " + e.getMessage()
                                + "; set [nushell] binary or PROVISIONING_NUSHELL_BINARY", "nushell.binary");
            }
            Deque<String> stderrTail = new ArrayDeque<>();
            Thread out = pump(p.getInputStream(), line -> {
                Matcher m = PROGRESS.matcher(line);
                if (m.matches()) onProgress.accept(new Progress(Math.min(100, Integer.parseInt(m.group(1))),
                        m.group(2) == null ? "" : m.group(2).strip()));
                else if (!line.startsWith("CHECKPOINT:")) onOutput.accept(line);
            });
            Thread err = pump(p.getErrorStream(), line -> {
                synchronized (stderrTail) {
                    stderrTail.addLast(line);
                    if (stderrTail.size() > TAIL_LINES) stderrTail.removeFirst();
                }
                onOutput.accept(line);
            });
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
            }
            out.join();
            err.join();
            if (!done)
                throw new CliException(ExitCode.FAILED, "E_TIMEOUT",
                        where + " did not finish within " + timeout.toSeconds() + " s and was killed", where);
            if (p.exitValue() != 0) {
                List<String> tail;
                synchronized (stderrTail) {
                    tail = new ArrayList<>(stderrTail);
                }
                throw new CliException(ExitCode.FAILED, "E_TASK_FAILED",
                        where + " failed (nu exit " + p.exitValue() + "): " + summary(tail), where);
            }
            String text = Files.readString(resultFile).strip();
            return text.isEmpty() ? null : Json.read(text);
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "E_IO", where + ": " + e, dataDir.toString());
        } catch (UncheckedIOException e) {
            throw new CliException(ExitCode.FAILED, "E_TASK_FAILED", where + " wrote a result that is not JSON: "
                    + e.getCause().getMessage(), where);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.FAILED, "E_INTERRUPTED", where + " was interrupted", where);
        } finally {
            if (resultFile != null) {
                try {
                    Files.deleteIfExists(resultFile);
                } catch (IOException ignored) {
                    // a temp file; the OS cleans up
                }
            }
        }
    }

    /** What a Nushell error report says went wrong (its joined headline), else the last non-blank line. */
    static String summary(List<String> stderr) {
        String s = dev.provisioning.core.model.NuErrors.summary(String.join("\n", stderr));
        return s == null ? "no error output" : s;
    }

    private static Thread pump(InputStream in, Consumer<String> sink) {
        Thread t = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) sink.accept(line);
            } catch (IOException ignored) {
                // the process went away; what was read is reported
            }
        });
        return t;
    }
}
