package dev.provisioning.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Run in a JVM of its own by {@link SqliteNativeLibraryTest}: opens a SQLite store on {@code args[0]}, reads from it,
 * prints the paths of the sqlite-jdbc libraries this process has mapped, and halts without running shutdown hooks,
 * as a killed daemon would.
 */
public final class SqliteNativeLibraryProbe {
    private SqliteNativeLibraryProbe() {}

    public static void main(String[] args) throws Exception {
        try (JdbcStore store = JdbcStore.sqlite(Path.of(args[0]), Clock.systemUTC())) {
            store.readyQueue(1);
            for (String line : Files.readAllLines(Path.of("/proc/self/maps")))
                if (line.contains("sqlitejdbc")) System.out.println("mapped " + line.substring(line.indexOf('/')));
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }
}
