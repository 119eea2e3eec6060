package dev.provisioning.cli.commands;

import dev.provisioning.cli.CliException;
import dev.provisioning.cli.ExitCode;
import dev.provisioning.cli.client.ApiException;
import dev.provisioning.core.model.Priority;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A workflow file as the CLI submits it. The type comes from the extension:
 * <ul>
 *   <li>{@code .toml}, {@code .json}, {@code .yaml}/{@code .yml}: sent as they are, with the matching Content-Type;
 *       the daemon parses and validates them (so its error locations are lines of the file);</li>
 *   <li>{@code .k} (KCL) and {@code .ncl} (Nickel): exported to JSON first by their own binary, when it is on PATH
 *       ({@code kcl run FILE --format json}, {@code nickel export --format json FILE}; argv, no shell).</li>
 * </ul>
 * {@code --priority} goes with it as {@code ?priority=}: the daemon sets {@code workflow.priority} in what it read, so
 * the file is still sent as it is and its error locations stay lines of the file.
 */
final class WorkflowFile {
    /** How long a KCL or Nickel export may take. */
    static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(60);
    /** What the daemon calls the document in its error messages; replaced by the file name when shown. */
    static final String DAEMON_SOURCE = "request body";

    enum Format {
        TOML("application/toml", null),
        JSON("application/json", null),
        YAML("application/yaml", null),
        KCL("application/json", "kcl"),
        NICKEL("application/json", "nickel");

        final String contentType;
        /** The binary that exports it to JSON; null for the formats the daemon reads. */
        final String exporter;

        Format(String contentType, String exporter) {
            this.contentType = contentType;
            this.exporter = exporter;
        }
    }

    /**
     * What to POST: the bytes, their Content-Type, and how to name them in messages. {@code asIs} when the body is
     * the file's own bytes: line numbers in the daemon's errors are then lines of the file.
     */
    record Document(byte[] body, String contentType, String source, boolean asIs, Priority priority) {
        Document(byte[] body, String contentType, String source) {
            this(body, contentType, source, true, null);
        }

        /**
         * The {@code ?source=} to send, so the daemon's errors name the file ({@code deploy.toml:13: task 'c': ...});
         * null for an exported document, whose line numbers would not be lines of the file.
         */
        String sourceParam() { return asIs ? source : null; }
    }

    private WorkflowFile() {}

    /** The format by extension (case-insensitive); null when the extension is not one of ours. */
    static Format detect(Path file) {
        String n = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".toml")) return Format.TOML;
        if (n.endsWith(".json")) return Format.JSON;
        if (n.endsWith(".yaml") || n.endsWith(".yml")) return Format.YAML;
        if (n.endsWith(".k")) return Format.KCL;
        if (n.endsWith(".ncl")) return Format.NICKEL;
        return null;
    }

    /**
     * Reads (or exports) {@code file} for submission.
     *
     * @param priority overrides {@code workflow.priority} when not null (sent as {@code ?priority=})
     * @param pathEnv  the PATH to find {@code kcl} and {@code nickel} on
     */
    static Document load(Path file, Priority priority, String pathEnv, Duration exportTimeout) {
        String source = file.toString();
        Format f = detect(file);
        if (f == null)
            throw new CliException(ExitCode.USAGE, "E_UNSUPPORTED_FORMAT",
                    "cannot tell the format of workflow file " + source + " from its name; use .toml, .json, .yaml or .yml"
                            + " (or .k for KCL, .ncl for Nickel, with kcl or nickel on PATH)", source);
        if (!Files.isRegularFile(file))
            throw new CliException(ExitCode.USAGE, "E_INVALID_VALUE",
                    "workflow file " + source + (Files.exists(file) ? " is not a regular file" : " does not exist"), source);
        byte[] body;
        String contentType = f.contentType;
        if (f.exporter != null) {
            Path binary = which(f.exporter, pathEnv);
            if (binary == null)
                throw new CliException(ExitCode.USAGE, "E_UNSUPPORTED_FORMAT",
                        source + " is a " + (f == Format.KCL ? "KCL" : "Nickel") + " file; it is exported to JSON with '"
                                + String.join(" ", exportCommand(f, Path.of(f.exporter), file)) + "', but there is no '"
                                + f.exporter + "' on PATH. Install it, or export the file to JSON yourself and submit that",
                        source);
            body = export(f, binary, file, exportTimeout);
            source = source + " (exported by " + f.exporter + ")";
        } else {
            try {
                body = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new CliException(ExitCode.USAGE, "E_INVALID_VALUE", "cannot read workflow file " + source + ": " + e.getMessage(), source);
            }
        }
        return new Document(body, contentType, source, f.exporter == null, priority);
    }

    /** The export command line: {@code kcl run FILE --format json} or {@code nickel export --format json FILE}. */
    static List<String> exportCommand(Format f, Path binary, Path file) {
        return switch (f) {
            case KCL -> List.of(binary.toString(), "run", file.toString(), "--format", "json");
            case NICKEL -> List.of(binary.toString(), "export", "--format", "json", file.toString());
            default -> throw new IllegalArgumentException(f + " needs no export");
        };
    }

    /** Runs the exporter (argv, no shell) with stdout and stderr in temp files; its stdout is the JSON. */
    static byte[] export(Format f, Path binary, Path file, Duration timeout) {
        List<String> cmd = exportCommand(f, binary, file.toAbsolutePath());
        String shown = String.join(" ", exportCommand(f, Path.of(f.exporter), file));
        Path outFile = null;
        Path errFile = null;
        try {
            outFile = Files.createTempFile("provisioning-export", ".json");
            errFile = Files.createTempFile("provisioning-export", ".err");
            Path dir = file.toAbsolutePath().getParent();
            Process p = new ProcessBuilder(cmd)
                    .directory(dir == null ? null : dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(outFile.toFile())
                    .redirectError(errFile.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new CliException(ExitCode.FAILED, "E_EXPORT_FAILED",
                        "'" + shown + "' did not finish within " + timeout.toSeconds() + " s", file.toString());
            }
            String err = Files.readString(errFile, StandardCharsets.UTF_8);
            if (p.exitValue() != 0)
                throw new CliException(ExitCode.USAGE, "E_EXPORT_FAILED",
                        "'" + shown + "' exited with status " + p.exitValue() + "; fix the file and try again", file.toString(),
                        tail(err, 20));
            byte[] json = Files.readAllBytes(outFile);
            if (new String(json, StandardCharsets.UTF_8).isBlank())
                throw new CliException(ExitCode.USAGE, "E_EXPORT_FAILED", "'" + shown + "' printed nothing", file.toString(), tail(err, 20));
            return json;
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "E_EXPORT_FAILED", "cannot run '" + shown + "': " + e.getMessage(), file.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.FAILED, "E_INTERRUPTED", "interrupted", null);
        } finally {
            deleteQuietly(outFile);
            deleteQuietly(errFile);
        }
    }

    /** The first executable {@code name} in the {@code :}-separated {@code pathEnv}; null when there is none. */
    static Path which(String name, String pathEnv) {
        if (pathEnv == null) return null;
        for (String dir : pathEnv.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    /**
     * The daemon's error about the document, told in terms of the file: its name instead of "request body", and,
     * for an invalid workflow, every error in {@code details} as a detail line.
     */
    static CliException explain(ApiException e, Document doc) {
        return explain(e, doc, "; nothing was submitted");
    }

    /** Like {@link #explain(ApiException, Document)}; {@code after} ends the "N errors in the workflow" line. */
    static CliException explain(ApiException e, Document doc, String after) {
        List<String> details = new ArrayList<>();
        for (String d : e.details()) details.add(rename(d, doc));
        boolean listed = "E_INVALID_WORKFLOW".equals(e.code()) && !details.isEmpty();
        String message = listed
                ? doc.source() + ": " + details.size() + (details.size() == 1 ? " error" : " errors") + " in the workflow" + after
                : rename(e.getMessage(), doc);
        String where = rename(e.where(), doc);
        if (where != null && (where.equals(doc.source()) || message.startsWith(where + ":"))) where = null; // said already
        return new CliException(e.exitCode(), e.code(), message, where, details.isEmpty() ? null : String.join("\n", details));
    }

    /** The daemon's errors of an invalid document, each told in terms of the file (see {@link #explain}). */
    static List<String> errors(ApiException e, Document doc) {
        return e.details().stream().map(d -> rename(d, doc)).toList();
    }

    static String rename(String s, String source) {
        return s == null ? null : s.replace(DAEMON_SOURCE, source);
    }

    /**
     * The file's name for the daemon's "request body". For a document that is not the file as is (exported), the
     * line numbers after it are lines of what was sent, not of the file: dropped.
     */
    static String rename(String s, Document doc) {
        if (s == null) return null;
        if (doc.asIs()) return rename(s, doc.source());
        return LINE_OF_BODY.matcher(s).replaceAll(java.util.regex.Matcher.quoteReplacement(doc.source()));
    }

    private static final java.util.regex.Pattern LINE_OF_BODY =
            java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(DAEMON_SOURCE) + "(:\\d+)?");

    private static String tail(String s, int lines) {
        if (s == null || s.isBlank()) return null;
        List<String> l = s.strip().lines().toList();
        return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temp file left behind
        }
    }
}
