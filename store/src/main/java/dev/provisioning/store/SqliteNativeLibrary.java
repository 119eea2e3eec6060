package dev.provisioning.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

/**
 * Where sqlite-jdbc's native library is loaded from. By default sqlite-jdbc copies the library out of its jar into
 * {@code java.io.tmpdir} under a fresh name on every JVM start and deletes it at a normal exit, so every JVM that
 * is killed leaves a 1 MiB file behind (a long-lived host collected 1,070 of them, 1.1 GiB, from crashed daemons and
 * the crash tests). Instead the store copies it once into {@code <data dir>/native/sqlite-jdbc-<version>-<os>-<arch>/},
 * under the library's own file name, and points sqlite-jdbc at that directory ({@code org.sqlite.lib.path}). A later
 * start finds the copy and writes nothing; a kill leaves nothing new. The file name stays the jar's, so that
 * sqlite-jdbc's fallback (extracting from its jar) still finds the library should loading the copy fail.
 *
 * <p>Not guaranteed: the library is loaded once per JVM, so only the first store opened in a JVM decides where it
 * comes from. If the copy cannot be made or loaded (a read-only or {@code noexec} data dir), sqlite-jdbc falls back
 * to its own extraction, as before. A JVM started with {@code -Dorg.sqlite.lib.path} keeps that setting.
 */
final class SqliteNativeLibrary {
    private static final String PATH_PROPERTY = "org.sqlite.lib.path";
    private static final Logger log = LoggerFactory.getLogger(SqliteNativeLibrary.class);

    private SqliteNativeLibrary() {}

    /**
     * Makes sure {@code <dataDir>/native/...} holds this driver version's library and points sqlite-jdbc at it, unless the
     * JVM already chose a path. Call before the first SQLite connection of the JVM. Never throws: on any failure
     * sqlite-jdbc's own extraction stays in place.
     */
    static synchronized void useCopyIn(Path dataDir) {
        if (System.getProperty(PATH_PROPERTY) != null) return;
        try {
            String folder = OSInfo.getNativeLibFolderPathForCurrentOS();
            String file = System.mapLibraryName("sqlitejdbc");
            URL resource = SQLiteJDBCLoader.class.getResource("/org/sqlite/native/" + folder + "/" + file);
            if (resource == null) return; // a platform the jar has no library for: sqlite-jdbc reports it
            byte[] library;
            try (InputStream in = resource.openStream()) {
                library = in.readAllBytes();
            }
            Path dir = dataDir.resolve("native").resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion() + "-"
                    + folder.replace('/', '-'));
            Path target = dir.resolve(file);
            // the same bytes, not just the same size: a damaged copy would fail to load at every start
            if (!(Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), library))) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, file, ".tmp", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                try {
                    Files.write(tmp, library);
                    // another JVM on the same data dir may do the same at once: the last rename wins, same bytes
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            System.setProperty(PATH_PROPERTY, dir.toAbsolutePath().toString());
        } catch (IOException | RuntimeException e) {
            log.debug("SQLite's native library stays with sqlite-jdbc's own extraction: {}", e.toString());
        }
    }
}
