package dev.provisioning.server;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The daemon's data dir: an exclusive lock (one daemon per dir), the bearer token (created once, mode 0600),
 * and {@code daemon.json} telling clients where the daemon listens.
 */
final class DataDir implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

    private final Path dir;
    private FileChannel lockChannel;
    private FileLock lock;

    DataDir(Path dir) {
        this.dir = dir;
    }

    Path path() { return dir; }

    /** Creates the dir and takes the lock; fails if another daemon holds it. */
    void open() {
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve("daemon.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // held by this very JVM (another daemon in-process)
            }
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.CONFIG_INVALID, "cannot use data dir " + dir + " (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + "); it must be a writable directory", "storage.data_dir");
        }
        if (lock == null) {
            String holder;
            try {
                holder = Files.readString(dir.resolve("daemon.lock"), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                holder = "";
            }
            throw new ProvisioningException(ErrorCode.CONFLICT,
                    "another provisioning-orchestrator is already running on data dir " + dir
                            + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; stop it first (provisioning orchestrator stop)",
                    "storage.data_dir");
        }
        try {
            lockChannel.truncate(0);
            lockChannel.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            lockChannel.force(false);
            probe();
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.CONFIG_INVALID, "data dir " + dir + " is not writable or is full ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); free space or fix its permissions", "storage.data_dir");
        }
    }

    /** Writes, syncs and removes 64 KiB, so a full or read-only disk stops the start here rather than mid-migration. */
    private void probe() throws IOException {
        Path p = dir.resolve(".write-probe");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.allocate(64 * 1024));
            ch.force(true);
        } finally {
            Files.deleteIfExists(p);
        }
    }

    /** Reads the token, creating a random one with mode 0600 on first start. */
    String token() {
        return secret("token");
    }

    /** The viewers' read-only token ({@code token.read}), created like the token. */
    String readToken() {
        return secret("token.read");
    }

    private String secret(String name) {
        Path f = dir.resolve(name);
        try {
            if (!Files.exists(f)) {
                byte[] raw = new byte[32];
                new SecureRandom().nextBytes(raw);
                String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
                Path tmp = dir.resolve(name + ".tmp");
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_RW));
                Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException ignored) {
                    Files.deleteIfExists(tmp);
                }
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            if (!OWNER_RW.containsAll(perms))
                throw new ProvisioningException(ErrorCode.CONFIG_INVALID,
                        "token file " + f + " is readable by others (" + PosixFilePermissions.toString(perms) + "); run chmod 600 on it",
                        f.toString());
            String t = Files.readString(f, StandardCharsets.UTF_8).trim();
            if (t.length() < 16)
                throw new ProvisioningException(ErrorCode.CONFIG_INVALID, "token in " + f + " is shorter than 16 characters", f.toString());
            return t;
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.CONFIG_INVALID, "cannot create or read token " + f + ": " + e.getMessage(), f.toString());
        }
    }

    void writeDaemonInfo(String json) {
        try {
            Path tmp = dir.resolve("daemon.json.tmp");
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve("daemon.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ProvisioningException(ErrorCode.INTERNAL, "cannot write daemon.json: " + e.getMessage(), dir.toString());
        }
    }

    @Override
    public void close() {
        try {
            if (lock == null) {
                if (lockChannel != null) lockChannel.close();
                return; // not ours: leave the running daemon's files alone
            }
            Files.deleteIfExists(dir.resolve("daemon.json"));
            lock.release();
            if (lockChannel != null) lockChannel.close();
        } catch (IOException ignored) {
            // best effort at shutdown
        }
    }
}
