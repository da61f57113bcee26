package io.odyssey.codecs.sign;

import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.GoldenFrameGenerator;
import io.odyssey.codecs.GoldenFrames;
import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.DroneStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.odyssey.codecs.GoldenFrameGenerator.GOLDEN_KEY;
import static io.odyssey.codecs.GoldenFrameGenerator.GOLDEN_SIGNED_AT_NANOS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameSignatureTest
{
    private static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(60);
    private final AtomicLong now = new AtomicLong(GOLDEN_SIGNED_AT_NANOS);
    private final DroneKeyRing keys = DroneKeyRing.of(DroneKeys.of(new DroneKey(42, GOLDEN_KEY)));
    private final FrameVerifier verifier = new FrameVerifier(keys, now::get, WINDOW_NS);
    private final TelemetryFrameReader reader = new TelemetryFrameReader().verifier(verifier);
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);

    @Test
    void shouldSignExactlyTheGoldenBytes()
    {
        int length = new TelemetryFrameWriter().signWith(GoldenFrameGenerator.goldenSigner()).telemetry(buffer, 0, 42,
            1001, 1_764_000_000_123_456_789L, 52.52, 13.405, 87.5f, 270.25f, 12f, 64.5f, DroneStatus.CRUISING,
            (byte)DroneFlag.SIMULATED, 1.5f);
        assertThat(GoldenFrames.hex(buffer, length)).isEqualTo(golden("telemetry-v4-signed.hex"));

        length = new TelemetryFrameWriter().signWith(GoldenFrameGenerator.goldenSigner())
            .heartbeat(buffer, 0, 42, 1_764_000_000_987_654_321L, 1001, 0x7F00_0001, 40124);
        assertThat(GoldenFrames.hex(buffer, length)).isEqualTo(golden("heartbeat-v4-signed.hex"));

        length = new TelemetryFrameWriter().signWith(GoldenFrameGenerator.goldenSigner()).commandStatus(buffer, 0, 42, 5,
            1_764_000_000_987_654_321L, CommandPhase.DONE, CommandReason.NONE, 100f, 0, CommandType.GOTO, 52.52, 13.405,
            60f);
        assertThat(GoldenFrames.hex(buffer, length)).isEqualTo(golden("command-status-v4-signed.hex"));
    }

    @Test
    void shouldBeTheStandardHmacSha256TruncatedTo64Bits() throws Exception
    {
        final UnsafeBuffer frame = GoldenFrames.load("telemetry-v4-signed.hex");
        final byte[] bytes = new byte[frame.capacity()];
        frame.getBytes(0, bytes);
        final int signatureAt = bytes.length - FrameSignature.SIGNATURE_LENGTH;
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(GOLDEN_KEY, "HmacSHA256"));
        final byte[] expected = mac.doFinal(Arrays.copyOf(bytes, signatureAt));

        assertThat(Arrays.copyOfRange(bytes, signatureAt, bytes.length))
            .isEqualTo(Arrays.copyOf(expected, FrameSignature.SIGNATURE_LENGTH));
    }

    @ParameterizedTest
    @ValueSource(strings = {"telemetry-v4-signed.hex", "heartbeat-v4-signed.hex", "command-status-v4-signed.hex"})
    void shouldAcceptEveryGoldenSignedFrameOnceAndRefuseItsReplay(final String name)
    {
        final UnsafeBuffer frame = GoldenFrames.load(name);

        assertThat(reader.read(frame, 0, frame.capacity())).isNotEqualTo(TelemetryFrameReader.REJECTED);
        assertThat(verifier.timestamp()).isEqualTo(FrameSignature.timestampOf(GOLDEN_SIGNED_AT_NANOS));
        assertThat(verifier.linkId()).isEqualTo(GoldenFrameGenerator.GOLDEN_LINK);

        assertThat(reader.read(frame, 0, frame.capacity())).isEqualTo(TelemetryFrameReader.REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.REPLAYED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"telemetry-v1.hex", "telemetry-v2.hex", "telemetry-v3.hex", "heartbeat-v2.hex",
        "heartbeat-v3.hex"})
    void shouldRefuseEveryLegacyUnsignedSenderAsUnsigned(final String name)
    {
        final UnsafeBuffer frame = GoldenFrames.load(name);

        assertThat(reader.read(frame, 0, frame.capacity())).isEqualTo(TelemetryFrameReader.REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.UNSIGNED);
    }

    @Test
    void shouldRefuseAFrameWithAnyByteAlteredAfterSigning()
    {
        final UnsafeBuffer golden = GoldenFrames.load("telemetry-v4-signed.hex");
        // Every byte but the header's (which decide the layout, refused as other reasons) and the drone id's.
        for (int i = 16; i < golden.capacity(); i++)
        {
            final FrameVerifier fresh = new FrameVerifier(keys, now::get, WINDOW_NS);
            final UnsafeBuffer frame = copy(golden);
            frame.putByte(i, (byte)(frame.getByte(i) ^ 0x01));

            assertThat(fresh.verify(frame, 0, frame.capacity())).as("byte %d altered", i)
                .isEqualTo(RejectReason.BAD_SIGNATURE);
        }
    }

    @Test
    void shouldRefuseAFrameSignedWithAnotherDronesKeyOrForADroneWithoutOne()
    {
        final byte[] otherKey = GOLDEN_KEY.clone();
        otherKey[0] = 99;
        final FrameSigner forger = new FrameSigner(DroneKeyRing.of(DroneKeys.of(new DroneKey(42, otherKey),
            new DroneKey(43, GOLDEN_KEY))), now::get, 1);
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(forger);

        int length = writer.heartbeat(buffer, 0, 42, GOLDEN_SIGNED_AT_NANOS, 1);
        assertThat(verifier.verify(buffer, 0, length)).isEqualTo(RejectReason.BAD_SIGNATURE);

        length = writer.heartbeat(buffer, 0, 43, GOLDEN_SIGNED_AT_NANOS, 1);
        assertThat(verifier.verify(buffer, 0, length)).isEqualTo(RejectReason.UNKNOWN_KEY);
    }

    @Test
    void shouldRefuseAFrameSignedOutsideTheWindowEitherWay()
    {
        final UnsafeBuffer frame = GoldenFrames.load("heartbeat-v4-signed.hex");

        now.set(GOLDEN_SIGNED_AT_NANOS + WINDOW_NS + TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(verifier.verify(frame, 0, frame.capacity())).isEqualTo(RejectReason.TIMESTAMP_OUT_OF_WINDOW);
        now.set(GOLDEN_SIGNED_AT_NANOS - WINDOW_NS - TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(verifier.verify(frame, 0, frame.capacity())).isEqualTo(RejectReason.TIMESTAMP_OUT_OF_WINDOW);
        now.set(GOLDEN_SIGNED_AT_NANOS + WINDOW_NS - TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(verifier.verify(frame, 0, frame.capacity())).isNull();
    }

    @Test
    void shouldKeepAReplayWindowPerLink()
    {
        final FrameSigner linkOne = new FrameSigner(keys, now::get, 1);
        final FrameSigner linkTwo = new FrameSigner(keys, now::get, 2);
        final UnsafeBuffer first = new UnsafeBuffer(new byte[128]);
        final UnsafeBuffer second = new UnsafeBuffer(new byte[128]);
        final int length = new TelemetryFrameWriter().signWith(linkOne).heartbeat(first, 0, 42, 1, 1);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(5));
        new TelemetryFrameWriter().signWith(linkTwo).heartbeat(second, 0, 42, 1, 1);

        assertThat(verifier.verify(second, 0, length)).isNull();
        assertThat(verifier.verify(first, 0, length)).as("older, but on its own link").isNull();
        assertThat(verifier.verify(first, 0, length)).isEqualTo(RejectReason.REPLAYED);
    }

    @Test
    void shouldRefuseToWriteAFrameForADroneWithoutAKeyNamingTheDrone()
    {
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(new FrameSigner(keys, now::get, 1));
        assertThatThrownBy(() -> writer.heartbeat(buffer, 0, 7, 1, 1))
            .isInstanceOf(NoDroneKeyException.class)
            .hasMessage("no key to sign for drone 7")
            .satisfies(ex -> assertThat(((NoDroneKeyException)ex).droneId()).isEqualTo(7))
            .satisfies(ex -> assertThat(ex.getStackTrace()).as("thrown at the telemetry rate: no trace").isEmpty());
        assertThat(writer.heartbeat(buffer, 0, 42, 1, 1)).as("the writer goes on for drones with a key")
            .isEqualTo(TelemetryFrameWriter.HEARTBEAT_FRAME_LENGTH);
    }

    @Test
    void shouldSignStrictlyIncreasingTimestampsWhenTheClockStandsStill()
    {
        final FrameSigner signer = new FrameSigner(keys, now::get, 1);
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(signer);
        for (int i = 0; i < 100; i++)
        {
            final int length = writer.heartbeat(buffer, 0, 42, 1, i);
            assertThat(verifier.verify(buffer, 0, length)).as("frame %d", i).isNull();
        }
    }

    @Test
    void shouldKeepASenderHeardAndItsTimestampsAdvancingOverAStepBackWithinTheWindow()
    {
        // The receiver's clock (now) is right; the sender's wall clock is stepped back 45 s, then real time goes on.
        final AtomicLong senderWall = new AtomicLong(now.get());
        final AtomicLong monotonic = new AtomicLong(0);
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(new FrameSigner(keys,
            new io.odyssey.runtime.SteadyEpochClock(senderWall::get, monotonic::get, WINDOW_NS), 1));
        assertThat(verifier.verify(buffer, 0, writer.heartbeat(buffer, 0, 42, 1, 1))).isNull();
        long lastSignedAt = FrameSignature.epochNanosOf(verifier.timestamp());
        senderWall.addAndGet(-TimeUnit.SECONDS.toNanos(45));
        for (int second = 1; second <= 120; second++)
        {
            final long tick = TimeUnit.SECONDS.toNanos(1);
            now.addAndGet(tick);
            senderWall.addAndGet(tick);
            monotonic.addAndGet(tick);
            final int length = writer.heartbeat(buffer, 0, 42, 1, second);
            assertThat(verifier.verify(buffer, 0, length)).as("%d s after the step", second).isNull();
            final long signedAt = FrameSignature.epochNanosOf(verifier.timestamp());
            assertThat(signedAt - lastSignedAt).as("signed time advancing, %d s after", second)
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
            lastSignedAt = signedAt;
        }
    }

    @Test
    void shouldBeHeardAtOnceWhenAClockThatWasAnHourAheadIsPutRight()
    {
        final AtomicLong senderWall = new AtomicLong(now.get() + TimeUnit.HOURS.toNanos(1));
        final AtomicLong monotonic = new AtomicLong(0);
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(new FrameSigner(keys,
            new io.odyssey.runtime.SteadyEpochClock(senderWall::get, monotonic::get, WINDOW_NS), 1));
        assertThat(verifier.verify(buffer, 0, writer.heartbeat(buffer, 0, 42, 1, 1)))
            .as("an hour ahead of the receiver").isEqualTo(RejectReason.TIMESTAMP_OUT_OF_WINDOW);
        senderWall.set(now.get());
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        senderWall.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        monotonic.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(verifier.verify(buffer, 0, writer.heartbeat(buffer, 0, 42, 1, 2)))
            .as("put right: heard with the next frame, not an hour later").isNull();
    }

    @Test
    void shouldSignAndVerifyWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final FrameSigner signer = new FrameSigner(keys, now::get, 1);
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(signer);
        final UnsafeBuffer direct = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(128));
        signAndVerify(writer, direct, 20_000);

        // The fewest bytes of a few rounds: a one-off of the JIT's (a recompilation mid-round, ~1-2 KB once, seen in CI)
        // is not the code's; one allocation per frame would be at least 320 KB in every round.
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 5 && allocated >= 1024; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            signAndVerify(writer, direct, 20_000);
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
        }

        assertThat(allocated).as("bytes allocated by 20,000 signs and verifies").isLessThan(1024);
    }

    private void signAndVerify(final TelemetryFrameWriter writer, final UnsafeBuffer frame, final int frames)
    {
        for (int i = 0; i < frames; i++)
        {
            final int length = writer.telemetry(frame, 0, 42, i + 1, GOLDEN_SIGNED_AT_NANOS, 52.52, 13.405, 87.5f, 270f,
                12f, 64.5f, DroneStatus.CRUISING, (byte)0, 1.5f);
            if (reader.read(frame, 0, length) != TelemetryFrameReader.TELEMETRY)
            {
                throw new AssertionError("frame " + i + " refused: " + reader.rejectReason());
            }
        }
    }

    private static UnsafeBuffer copy(final UnsafeBuffer frame)
    {
        final byte[] bytes = new byte[frame.capacity()];
        frame.getBytes(0, bytes);
        return new UnsafeBuffer(bytes);
    }

    private static String golden(final String name)
    {
        final UnsafeBuffer frame = GoldenFrames.load(name);
        return GoldenFrames.hex(frame, frame.capacity());
    }
}
