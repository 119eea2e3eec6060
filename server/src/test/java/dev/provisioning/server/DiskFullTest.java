package dev.provisioning.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.provisioning.core.error.ErrorCode;
import dev.provisioning.core.error.ProvisioningException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unusable data dir stops the start with a clear error and a stable code, and writes nothing half-way. The full
 * disk is real: a 4 MiB tmpfs filled to the last byte (needs root and mount; skipped otherwise). A full disk during a
 * run is the store's {@code DISK_FULL} fault ({@code DaemonStoreFaultTest}).
 */
@Timeout(120)
class DiskFullTest {
    @TempDir
    Path tmp;
    Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) run("umount", mounted.toString());
    }

    private static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    private static ProvisioningException startFails(Path dataDir) {
        ProvisioningException[] e = new ProvisioningException[1];
        assertThatThrownBy(() -> new TestDaemon(dataDir, Map.of()).close())
                .isInstanceOfSatisfying(ProvisioningException.class, x -> e[0] = x);
        return e[0];
    }

    @Test
    void aDataDirThatIsAFileStopsTheStart() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        ProvisioningException e = startFails(file);
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
        assertThat(e.getMessage()).contains(file.toString()).contains("writable directory");
        assertThat(e.where()).isEqualTo("storage.data_dir");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @Test
    void aFullDiskStopsTheStartAndNothingIsHalfWritten() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString()), "needs root and mount -t tmpfs");
        mounted = mnt;
        Path data = Files.createDirectories(mnt.resolve("data"));
        try (OutputStream out = Files.newOutputStream(mnt.resolve("filler"))) {
            byte[] block = new byte[4096];
            while (true) out.write(block);
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left");
        }
        ProvisioningException e = startFails(data);
        assertThat(e.code()).isEqualTo(ErrorCode.CONFIG_INVALID);
        assertThat(e.getMessage()).contains(data.toString()).contains("No space left on device").contains("free space");
        assertThat(e.where()).isEqualTo("storage.data_dir");
        assertThat(data.resolve("provisioning.db")).doesNotExist(); // stopped before the store was touched
        assertThat(data.resolve(".write-probe")).doesNotExist();

        // with room again, the same dir starts and works
        Files.delete(mnt.resolve("filler"));
        try (TestDaemon d = new TestDaemon(data, Map.of())) {
            assertThat(d.get("/health").statusCode()).isEqualTo(200);
        }
    }
}
