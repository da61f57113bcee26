package io.odyssey.codecs.sign;

import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Setting;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DroneKeysTest
{
    private static final Setting SETTING = Setting.of("ODYSSEY_TEST_DRONE_KEYS", "", "test");
    @TempDir
    Path dir;

    @Test
    void shouldProvisionOwnerOnlyKeysOnceAndAddOnlyMissingDrones() throws Exception
    {
        final Path file = dir.resolve("keys/drone-keys");

        assertThat(DroneKeys.provision(SETTING, file, 1, 50)).isEqualTo(50);
        final String first = Files.readString(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(DroneKeys.provision(SETTING, file, 1, 50)).isZero();
        assertThat(Files.readString(file)).isEqualTo(first);
        assertThat(DroneKeys.provision(SETTING, file, 40, 60)).isEqualTo(10);

        final DroneKeys keys = DroneKeys.load(SETTING, file);
        assertThat(keys.size()).isEqualTo(60);
        assertThat(keys.entry(1).current().sameKeyAs(keys.entry(2).current())).isFalse();
        assertThat(keys.entry(61)).isNull();
    }

    @Test
    void shouldAcceptTheOldKeyDuringTheGracePeriodOfARotationAndNeitherAfterRevocation() throws Exception
    {
        final Path file = dir.resolve("drone-keys");
        DroneKeys.provision(SETTING, file, 7, 7);
        final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1_800_000_000L));
        final DroneKeyRing ring = DroneKeyRing.load(SETTING, file);
        final FrameSigner oldSigner = new FrameSigner(DroneKeyRing.of(DroneKeys.load(SETTING, file)), now::get, 1);
        final FrameVerifier verifier = new FrameVerifier(ring, now::get, TimeUnit.MINUTES.toNanos(10));
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[128]);
        final TelemetryFrameWriter oldWriter = new TelemetryFrameWriter().signWith(oldSigner);

        final String fresh = DroneKeys.rotate(SETTING, file, 7, 60, TimeUnit.NANOSECONDS.toSeconds(now.get()));
        assertThat(fresh).hasSize(64);
        assertThat(ring.reloadIfChanged()).isTrue();
        final FrameSigner newSigner = new FrameSigner(DroneKeyRing.of(DroneKeys.load(SETTING, file)), now::get, 2);
        final TelemetryFrameWriter newWriter = new TelemetryFrameWriter().signWith(newSigner);

        assertThat(verifier.verify(frame, 0, oldWriter.heartbeat(frame, 0, 7, 1, 1))).isNull();
        assertThat(verifier.verify(frame, 0, newWriter.heartbeat(frame, 0, 7, 1, 1))).isNull();

        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        assertThat(verifier.verify(frame, 0, oldWriter.heartbeat(frame, 0, 7, 1, 1))).isEqualTo(RejectReason.BAD_SIGNATURE);
        assertThat(verifier.verify(frame, 0, newWriter.heartbeat(frame, 0, 7, 1, 1))).isNull();

        assertThat(DroneKeys.revoke(SETTING, file, 7)).isTrue();
        assertThat(ring.reloadIfChanged()).isTrue();
        assertThat(verifier.verify(frame, 0, newWriter.heartbeat(frame, 0, 7, 1, 1))).isEqualTo(RejectReason.UNKNOWN_KEY);
    }

    @Test
    void shouldRefuseAKeyFileOthersCanReadOrThatDoesNotParseWithoutShowingAKey() throws Exception
    {
        final Path file = dir.resolve("drone-keys");
        DroneKeys.provision(SETTING, file, 1, 3);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> DroneKeys.load(SETTING, file)).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_TEST_DRONE_KEYS").hasMessageContaining("chmod 600");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        final String secretLooking = "4 " + "ab".repeat(31);
        Files.writeString(file, secretLooking + "\n", java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> DroneKeys.load(SETTING, file)).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("line 5").hasMessageNotContaining("abab");

        Files.writeString(file, "1 change-me-to-a-drone-key\n");
        assertThatThrownBy(() -> DroneKeys.load(SETTING, file)).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("placeholder");
    }

    @Test
    void shouldLetOverlaidKeysWinOverTheFileAndKeepARevocationAcrossFileReloads() throws Exception
    {
        final Path file = dir.resolve("drone-keys");
        DroneKeys.provision(SETTING, file, 1, 3);
        final DroneKeyRing ring = DroneKeyRing.load(SETTING, file);
        final DroneKey fileKeyOf1 = ring.keys().entry(1).current();
        final DroneKey gridKeyOf1 = new DroneKey(1, new byte[DroneKey.LENGTH]);
        final DroneKey gridKeyOf9 = new DroneKey(9, new byte[DroneKey.LENGTH]);
        final java.util.Map<Long, DroneKeys.Entry> overrides = new java.util.HashMap<>();
        overrides.put(1L, new DroneKeys.Entry(gridKeyOf1, fileKeyOf1, Long.MAX_VALUE));
        overrides.put(2L, null);
        overrides.put(9L, new DroneKeys.Entry(gridKeyOf9, null, 0));

        ring.overlay(overrides);

        assertThat(ring.keys().entry(1).current().sameKeyAs(gridKeyOf1)).isTrue();
        assertThat(ring.keys().entry(1).previous().sameKeyAs(fileKeyOf1)).isTrue();
        assertThat(ring.keys().entry(2)).isNull();
        assertThat(ring.keys().entry(3)).isNotNull();
        assertThat(ring.keys().entry(9).current().sameKeyAs(gridKeyOf9)).isTrue();
        DroneKeys.provision(SETTING, file, 1, 5);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertThat(ring.reloadIfChanged()).isTrue();
        assertThat(ring.keys().entry(2)).isNull();
        assertThat(ring.keys().entry(1).current().sameKeyAs(gridKeyOf1)).isTrue();
        assertThat(ring.keys().entry(5)).isNotNull();
    }
}
