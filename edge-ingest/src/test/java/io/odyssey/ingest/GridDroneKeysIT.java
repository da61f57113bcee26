package io.odyssey.ingest;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.trust.DroneKeyRecord;
import io.odyssey.grid.trust.DroneKeyVault;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.Setting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The keys admins manage through the API, as a restarted ingest node takes them from a real grid: a grid client that
 * plays an older genuine record back, or removes a drone's record, while the node is down must not get the retired key
 * (or the key file's) accepted when it comes back.
 */
class GridDroneKeysIT
{
    private static final Setting FILE = Setting.argument("FILE", "the drone key file");
    private static final long MANAGED = 7;
    private static final long FILE_ONLY = 8;
    private static final DroneKeyVault VAULT = new DroneKeyVault(random(32));
    private static final List<ExecutorService> HOUSEKEEPING = new CopyOnWriteArrayList<>();
    private static TestGrid grid;

    @TempDir
    Path dir;

    @BeforeAll
    static void startGrid()
    {
        grid = TestGrid.start("GridDroneKeysIT");
    }

    @AfterAll
    static void stopGrid()
    {
        HOUSEKEEPING.forEach(ExecutorService::shutdownNow);
        grid.close();
    }

    @Test
    void shouldRefuseAnOlderRecordOrNoneForADroneItUsedAKeyForBeforeItRestarted()
    {
        final IMap<Long, String> records = FleetGrid.droneKeysMap(grid.member());
        final Path keyFile = dir.resolve("drone-keys");
        DroneKeys.provision(FILE, keyFile, MANAGED, FILE_ONLY);
        final Path marks = dir.resolve("journal").resolve(DroneKeyMarks.FILE_NAME);
        final String retired = VAULT.seal(record(1_000));
        final String rotated = VAULT.seal(record(2_000));

        records.set(MANAGED, retired);
        final Node before = Node.start(records, keyFile, marks);
        await().atMost(10, TimeUnit.SECONDS).until(() -> before.keyOf(MANAGED).equals(keyOf(retired)));
        records.set(MANAGED, rotated);
        await().atMost(10, TimeUnit.SECONDS).until(() -> before.keyOf(MANAGED).equals(keyOf(rotated)));

        // Down: the retired record is played back. Without marks the gap is real: a fresh node takes it.
        records.set(MANAGED, retired);
        final Node withoutMemory = Node.start(records, keyFile, dir.resolve("elsewhere").resolve(DroneKeyMarks.FILE_NAME));
        await().atMost(10, TimeUnit.SECONDS).until(() -> keyOf(retired).equals(withoutMemory.keyOf(MANAGED)));
        final Node restarted = Node.start(records, keyFile, marks);
        await().atMost(10, TimeUnit.SECONDS).until(() -> restarted.refused("OLDER_KEY_ID") == 1);
        assertThat(restarted.ring.keys().entry(MANAGED)).as("neither the retired key nor the key file's").isNull();
        assertThat(restarted.keyOf(FILE_ONLY)).as("a drone the API never managed keeps its file key")
            .isEqualTo(HexFormat.of().formatHex(DroneKeys.load(FILE, keyFile).entry(FILE_ONLY).current().keyBytes()));

        // Down again: the record is removed. The drone is refused, not flown on the key file's key.
        records.delete(MANAGED);
        final Node again = Node.start(records, keyFile, marks);
        await().atMost(10, TimeUnit.SECONDS).until(() -> again.refused("MISSING") == 1);
        assertThat(again.ring.keys().entry(MANAGED)).isNull();

        // An admin gives it a key again (key ids only grow): taken, and remembered.
        final String given = VAULT.seal(record(3_000));
        records.set(MANAGED, given);
        await().atMost(10, TimeUnit.SECONDS).until(() -> keyOf(given).equals(again.keyOf(MANAGED)));
        assertThat(DroneKeyMarks.load(marks, 10).mark(MANAGED)).isEqualTo(3_000);
    }

    @Test
    void shouldNotStartOnMarksItCannotReadSayingWhatDeletingThemCosts() throws Exception
    {
        final Path marks = dir.resolve(DroneKeyMarks.FILE_NAME);
        Files.writeString(marks, "7 2000\n7 1000\n");

        assertThatThrownBy(() -> DroneKeyMarks.load(marks, 10)).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining(marks.toString()).hasMessageContaining("line 2")
            .hasMessageContaining("delete the file to start without them");
        Files.writeString(marks, "7 x\n");
        assertThatThrownBy(() -> DroneKeyMarks.load(marks, 10)).hasMessageContaining("line 1");
        Files.writeString(marks, "7 1\n8 1\n9 1\n");
        assertThatThrownBy(() -> DroneKeyMarks.load(marks, 2)).isInstanceOf(ConfigurationException.class);
    }

    private static DroneKeyRecord record(final long keyId)
    {
        return new DroneKeyRecord(MANAGED, keyId, 1_700_000_000L, HexFormat.of().formatHex(random(32)), null, 0);
    }

    private static String keyOf(final String sealed)
    {
        return VAULT.open(MANAGED, sealed).currentHex();
    }

    private static byte[] random(final int length)
    {
        final byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** What an ingest node holds of the keys: its ring, fed from the key file and the grid, and its counters. */
    private record Node(DroneKeyRing ring, Metrics metrics)
    {
        static Node start(final IMap<Long, String> records, final Path keyFile, final Path marks)
        {
            final DroneKeyRing ring = DroneKeyRing.load(FILE, keyFile);
            final Metrics metrics = new Metrics("ingest");
            // One thread, as the node's housekeeping is.
            final ExecutorService housekeeping = Executors.newSingleThreadExecutor();
            HOUSEKEEPING.add(housekeeping);
            new GridDroneKeys(records, VAULT, ring, housekeeping, 100, 1, 1_000, DroneKeyMarks.load(marks, 100),
                metrics).start();
            return new Node(ring, metrics);
        }

        String keyOf(final long droneId)
        {
            final DroneKeys.Entry entry = ring.keys().entry(droneId);
            return entry == null ? null : HexFormat.of().formatHex(entry.current().keyBytes());
        }

        long refused(final String reason)
        {
            return metrics.counters().stream()
                .filter(c -> c.name().equals("odyssey_ingest_drone_key_records_refused_total") &&
                    c.labels().contains(reason))
                .mapToLong(io.odyssey.runtime.Counter::get).sum();
        }
    }
}
