package dev.provisioning.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import dev.provisioning.core.model.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.OptionalInt;

/**
 * The files of one attempt's run dir ({@code runs/<workflow>/<task>.<attempt>/}, see {@code Attempt.dir()}):
 * {@code pid} (the shell launcher's; a nu attempt has one only once a restarted daemon adopted it), {@code exit},
 * {@code stdout.log}, {@code stderr.log} (which also gets the launcher's own errors, normally none) and
 * {@code result.json}. Each file costs a create on the path to the task's start or end, so there
 * are no others: a nu action's wrapper is visible in the process's argv and is {@link ProcessRunner#nuWrapper}.
 */
public record RunDir(Path dir) {
    public static final String PID = "pid";
    public static final String EXIT = "exit";
    public static final String STDOUT = "stdout.log";
    public static final String STDERR = "stderr.log";
    public static final String RESULT = "result.json";
    /** How much of stderr.log the exit report carries. */
    public static final int STDERR_TAIL_BYTES = 4096;
    /** Larger result files are refused. */
    public static final long MAX_RESULT_BYTES = 16L << 20;

    public Path file(String name) { return dir.resolve(name); }

    private static final FileAttribute<?> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /**
     * Creates the run dir, private to the daemon's user, with one {@code mkdir} in the common case (its task dir
     * exists). A dir that exists already is accepted only if no attempt is known to have used it ({@code pid},
     * {@code exit}): the same attempt can run again there when it never started (see
     * {@link ProcessRunner#neverStarted}). Throws {@link ErrorCode#RUNNER_FAILURE}, naming {@code where}, otherwise.
     */
    void create(String where) {
        try {
            try {
                Files.createDirectory(dir, PRIVATE_DIR);
            } catch (NoSuchFileException e) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PRIVATE_DIR);
            } catch (FileAlreadyExistsException e) {
                for (String f : List.of(PID, EXIT))
                    if (Files.exists(file(f)))
                        throw new ProvisioningException(ErrorCode.RUNNER_FAILURE, "run dir " + dir
                                + " was already used by an attempt (it has a '" + f + "' file); use a new run dir per attempt",
                                where);
                if (!Files.isDirectory(dir)) throw e;
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new ProvisioningException(ErrorCode.RUNNER_FAILURE, "cannot create run dir " + dir + ": "
                    + e.getMessage(), where, List.of(), e);
        }
    }

    /** The launcher's pid (which is the process group id) and its start time, if the pid file is complete. */
    public record PidFile(long pid, long startTime) {}

    public java.util.Optional<PidFile> readPid() {
        try {
            String text = Files.readString(file(PID), StandardCharsets.US_ASCII);
            if (!text.endsWith("\n")) return java.util.Optional.empty(); // not completely written
            String[] f = text.trim().split("\\s+");
            if (f.length < 2) return java.util.Optional.empty();
            return java.util.Optional.of(new PidFile(Long.parseLong(f[0]), Long.parseLong(f[1])));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    public OptionalInt readExit() {
        try {
            String text = Files.readString(file(EXIT), StandardCharsets.US_ASCII);
            if (!text.endsWith("\n")) return OptionalInt.empty(); // not completely written
            return OptionalInt.of(Integer.parseInt(text.trim()));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /** Writes {@code pid}: the pid (= process group id) and its start time, one newline-ended write. */
    public void writePid(long pid, long startTime) throws IOException {
        Files.writeString(file(PID), pid + " " + startTime + "\n", StandardCharsets.US_ASCII);
    }

    /** Writes {@code exit} atomically (tmp + rename), as the launcher does. */
    public void writeExit(int code) throws IOException {
        Path tmp = file(EXIT + ".daemon.tmp");
        Files.writeString(tmp, code + "\n", StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file(EXIT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file(EXIT), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The result file: {@code null} if absent. Throws {@link InvalidResultException} if unreadable or not JSON. */
    public JsonNode readResult() {
        Path p = file(RESULT);
        try {
            long size = Files.size(p);
            if (size > MAX_RESULT_BYTES)
                throw new InvalidResultException(RESULT + " is " + size + " bytes, more than the limit of "
                        + MAX_RESULT_BYTES);
            String text = Files.readString(p, StandardCharsets.UTF_8);
            if (text.isBlank()) throw new InvalidResultException(RESULT + " is empty; write JSON (e.g. null)");
            return Json.read(text);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new InvalidResultException("cannot read " + RESULT + ": " + e.getMessage());
        } catch (java.io.UncheckedIOException e) {
            String msg = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
            throw new InvalidResultException(RESULT + " is not valid JSON: " + firstLine(msg));
        }
    }

    /** The last {@code maxBytes} bytes of stderr.log, decoded without a broken leading UTF-8 character. */
    public String stderrTail(int maxBytes) {
        return tail(file(STDERR), maxBytes);
    }

    static String tail(Path p, int maxBytes) {
        try {
            if (Files.size(p) == 0) return ""; // the common case (a task that printed no error): one stat, no open
        } catch (IOException e) {
            return "";
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            long from = Math.max(0, size - maxBytes);
            ByteBuffer buf = ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
                // keep reading
            }
            buf.flip();
            if (from > 0) {
                // skip UTF-8 continuation bytes (10xxxxxx) cut off from their leading byte
                int skip = 0;
                while (skip < 3 && buf.remaining() > skip && (buf.get(buf.position() + skip) & 0xC0) == 0x80) skip++;
                buf.position(buf.position() + skip);
            }
            CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            CharBuffer cb = dec.decode(buf);
            return cb.toString();
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** The result file exists but cannot be used. */
    public static final class InvalidResultException extends RuntimeException {
        public InvalidResultException(String message) {
            super(message);
        }
    }
}
