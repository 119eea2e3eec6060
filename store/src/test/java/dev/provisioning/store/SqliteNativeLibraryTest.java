package dev.provisioning.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite's native library comes from the data dir, in fresh JVMs that end without their shutdown hooks (as a killed
 * daemon does): nothing is left in the temp dir, a second start reuses the copy, and a damaged copy is replaced.
 */
class SqliteNativeLibraryTest {
    @TempDir
    Path tmp;

    private List<String> probe(Path dataDir, Path tmpDir) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + tmpDir,
                "-cp", System.getProperty("java.class.path"), SqliteNativeLibraryProbe.class.getName(), dataDir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().filter(l -> l.startsWith("mapped ")).map(l -> l.substring("mapped ".length())).distinct().toList();
    }

    private static List<Path> sqliteFilesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("sqlite-")).toList();
        }
    }

    @Test
    void theLibraryIsLoadedFromTheDataDirAndAHaltedJvmLeavesNothingInTheTempDir() throws Exception {
        Path data = tmp.resolve("data"), tmpDir = Files.createDirectories(tmp.resolve("jvm-tmp"));

        List<String> mapped = probe(data, tmpDir);
        assertThat(mapped).singleElement().asString().startsWith(data.resolve("native").toString());
        assertThat(sqliteFilesIn(tmpDir)).isEmpty();

        Path copy = Path.of(mapped.getFirst());
        FileTime written = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(copy, written);
        assertThat(probe(data, tmpDir)).containsExactly(mapped.getFirst());
        assertThat(Files.getLastModifiedTime(copy)).as("reused, not written again").isEqualTo(written);
        assertThat(sqliteFilesIn(tmpDir)).isEmpty();
    }

    @Test
    void aDamagedCopyIsReplacedBeforeItIsLoaded() throws Exception {
        Path data = tmp.resolve("data"), tmpDir = Files.createDirectories(tmp.resolve("jvm-tmp"));
        Path copy = Path.of(probe(data, tmpDir).getFirst());
        Files.write(copy, new byte[(int) Files.size(copy)]); // same size, no ELF header

        assertThat(probe(data, tmpDir)).containsExactly(copy.toString());
        assertThat(Files.readAllBytes(copy)).startsWith(0x7f, 'E', 'L', 'F');
        assertThat(sqliteFilesIn(tmpDir)).isEmpty();
    }
}
