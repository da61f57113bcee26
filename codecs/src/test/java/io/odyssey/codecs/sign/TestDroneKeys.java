package io.odyssey.codecs.sign;

import io.odyssey.runtime.RealTimeClock;
import io.odyssey.runtime.Setting;
import org.agrona.concurrent.EpochNanoClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Drone keys for tests that run real senders and receivers: a fresh key file (random keys, owner-only, in a temporary
 * directory removed at exit) that both sides load, as `./odyssey up` provisions one per data directory.
 */
public final class TestDroneKeys
{
    private static final Setting SETTING = Setting.of("ODYSSEY_TEST_DRONE_KEYS", "", "drone key file of a test");

    private TestDroneKeys()
    {
    }

    /** A new key file with a key for every drone in {@code [firstId, lastId]}. */
    public static Path file(final long firstId, final long lastId)
    {
        try
        {
            final Path dir = Files.createTempDirectory("odyssey-drone-keys");
            final Path file = dir.resolve("drone-keys");
            DroneKeys.provision(SETTING, file, firstId, lastId);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Adds keys for the drones in {@code [firstId, lastId]} that have none to a key file. */
    public static Path add(final Path file, final long firstId, final long lastId)
    {
        DroneKeys.provision(SETTING, file, firstId, lastId);
        return file;
    }

    /** A signer with the keys of {@code file}, as a drone (or a test playing drones) on link {@code linkId}. */
    public static FrameSigner signer(final Path file, final int linkId)
    {
        return signer(file, linkId, new RealTimeClock());
    }

    /** {@link #signer(Path, int)} signing with the time of {@code clock} (a test's own clock). */
    public static FrameSigner signer(final Path file, final int linkId, final EpochNanoClock clock)
    {
        return new FrameSigner(DroneKeyRing.load(SETTING, file), clock, linkId);
    }

    /** A verifier with the keys of {@code file}, a minute's window (what a drone checks commands with). */
    public static FrameVerifier verifier(final Path file)
    {
        return verifier(file, new RealTimeClock());
    }

    /** {@link #verifier(Path)} on {@code clock}: the window is checked against it (a test's own clock). */
    public static FrameVerifier verifier(final Path file, final EpochNanoClock clock)
    {
        return new FrameVerifier(DroneKeyRing.load(SETTING, file), clock, 60_000_000_000L);
    }
}
