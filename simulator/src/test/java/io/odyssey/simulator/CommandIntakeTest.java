package io.odyssey.simulator;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandDecoder;
import io.odyssey.codecs.sbe.CommandType;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameSignature;
import io.odyssey.codecs.sign.FrameSigner;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.odyssey.simulator.CommandFrames.waypoint;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The intake checks a frame before trusting any field, drops what fails (counted by cause) and never throws. The ground
 * signs with the drones' keys on the drone's clock ({@link #now}), as a ground station with a good clock does.
 */
class CommandIntakeTest
{
    private static final int DRONES = 10;
    private static final long FIRST_ID = 100;

    private final SimulatorMetrics metrics = new SimulatorMetrics();
    private final DroneFleet fleet = new DroneFleet(DRONES, FIRST_ID, 1, 52.52, 13.405, 3000, 12);
    /** The drone's wall clock, and the ground's. */
    private long now = CommandFrames.SENT_AT_NANOS;
    private final CommandIntake intake = CommandFrames.intake(fleet, () -> 0L, () -> now, metrics);
    private final CommandFrames frames = CommandFrames.signed(() -> now);
    private final UnsafeBuffer buffer = frames.buffer;

    @Test
    void shouldObeyNoCommandThatIsNotSignedWithItsDronesKeyFreshAndOnce()
    {
        // The attacker can reach the drone's command port and knows the frame format, but not the drone's key.
        final CommandFrames unsigned = new CommandFrames();
        int length = unsigned.takeoff(FIRST_ID + 1, 1, 30f);
        expectDropped(unsigned.buffer, length, InvalidCommandCause.BAD_SIGNATURE);
        unsigned.buffer.putShort(6, (short)(FrameSignature.SIGNED_VERSION - 1), CommandDecoder.BYTE_ORDER);
        expectDropped(unsigned.buffer, length, InvalidCommandCause.UNSIGNED);

        final CommandFrames forged = new CommandFrames();
        forged.signer = new FrameSigner(DroneKeyRing.of(DroneKeys.of(new DroneKey(FIRST_ID + 1, new byte[32]))),
            () -> now, CommandFrames.GROUND_LINK);
        expectDropped(forged.buffer, forged.takeoff(FIRST_ID + 1, 2, 30f), InvalidCommandCause.BAD_SIGNATURE);

        // Signed with the right key, then altered: the altitude of a take-off raised.
        length = frames.takeoff(FIRST_ID + 1, 3, 30f);
        buffer.putFloat(MessageHeaderEncoder.ENCODED_LENGTH + CommandDecoder.altitudeEncodingOffset(), 400f,
            CommandDecoder.BYTE_ORDER);
        expectDropped(buffer, length, InvalidCommandCause.BAD_SIGNATURE);

        // Authentic, but captured and sent again; and authentic but signed long ago (or by a clock far off).
        length = frames.takeoff(FIRST_ID + 1, 4, 30f);
        assertThat(intake.onFrame(buffer, 0, length)).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        expectDropped(buffer, length, InvalidCommandCause.REPLAYED);
        final CommandFrames late = CommandFrames.signed(() -> now - TimeUnit.MINUTES.toNanos(2));
        expectDropped(late.buffer, late.goTo(FIRST_ID + 2, 5, 52.52, 13.405, 40f, 5f),
            InvalidCommandCause.TIMESTAMP_OUT_OF_WINDOW);

        assertThat(metrics.commandsReceived()).as("only the authentic take-off, once").isOne();
        assertThat(metrics.commandFramesInvalid()).isEqualTo(6);
        assertThat(fleet.isCommanded(2)).as("the go-to signed too long ago").isFalse();
        final List<Answer> answers = new ArrayList<>();
        Answer.drain(fleet, answers);
        assertThat(answers).as("nothing answered but the authentic take-off")
            .extracting(Answer::commandId).containsOnly(4L);
    }

    @Test
    void shouldHandAWellFormedCommandForOneOfOurDronesToTheFleet()
    {
        assertThat(intake.onFrame(buffer, 0, frames.takeoff(FIRST_ID + 3, 1, 30f))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(metrics.commandsReceived[SimulatorMetrics.ACCEPTED].get()).isOne();
        assertThat(fleet.isCommanded(3)).isTrue();
        assertThat(fleet.answersQueued()).isOne();
        assertThat(metrics.commandFramesInvalid()).isZero();
    }

    @Test
    void shouldDecideExpiryByTheDronesOwnClock()
    {
        now = CommandFrames.SENT_AT_NANOS + TimeUnit.MINUTES.toNanos(10);
        frames.expiresAtNanos = now - 1;
        assertThat(intake.onFrame(buffer, 0, frames.takeoff(FIRST_ID + 1, 1, 30f))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(fleet.isCommanded(1)).isFalse();

        frames.expiresAtNanos = now + 1;
        assertThat(intake.onFrame(buffer, 0, frames.takeoff(FIRST_ID + 2, 2, 30f))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(fleet.isCommanded(2)).isTrue();
    }

    @Test
    void shouldDropFramesThatAreNotCommandsForOurDronesCountingEachCause()
    {
        expectDropped(frames.takeoff(FIRST_ID, 1, 30f) - 1, InvalidCommandCause.TRUNCATED);
        expectDropped(4, InvalidCommandCause.TRUNCATED);

        int length = frames.takeoff(FIRST_ID, 1, 30f);
        buffer.putShort(4, (short)7002, CommandDecoder.BYTE_ORDER);
        expectDropped(length, InvalidCommandCause.UNKNOWN_SCHEMA);

        length = new TelemetryFrameWriter().telemetry(buffer, 0, FIRST_ID, 1, 1, 52.5, 13.4, 30f, 90f, 5f, 80f,
            DroneStatus.CRUISING, (byte)0, 0f);
        expectDropped(length, InvalidCommandCause.UNKNOWN_TEMPLATE);

        length = frames.takeoff(FIRST_ID, 1, 30f);
        buffer.putShort(6, (short)(CommandDecoder.SCHEMA_VERSION + 1), CommandDecoder.BYTE_ORDER);
        expectDropped(length, InvalidCommandCause.UNSUPPORTED_VERSION);

        // A block too short to hold the signature fields carries no signature.
        length = frames.takeoff(FIRST_ID, 1, 30f);
        buffer.putShort(0, (short)(CommandDecoder.BLOCK_LENGTH - 1), CommandDecoder.BYTE_ORDER);
        expectDropped(length, InvalidCommandCause.UNSIGNED);

        length = frames.mission(FIRST_ID, 1, waypoint(52.5, 13.4, 30, 5, 0), waypoint(52.5, 13.4, 30, 5, 0));
        expectDropped(length - 1, InvalidCommandCause.TRUNCATED);
        buffer.putShort(MessageHeaderEncoder.ENCODED_LENGTH + CommandDecoder.BLOCK_LENGTH + 2, (short)60_000,
            CommandDecoder.BYTE_ORDER);
        expectDropped(length, InvalidCommandCause.TRUNCATED);

        // Signed with the keys of drones this process does not fly (and one no key could name).
        expectDropped(frames.takeoff(FIRST_ID - 1, 1, 30f), InvalidCommandCause.UNKNOWN_DRONE);
        expectDropped(frames.takeoff(FIRST_ID + DRONES, 1, 30f), InvalidCommandCause.UNKNOWN_DRONE);
        final CommandFrames unsigned = new CommandFrames();
        expectDropped(unsigned.buffer, unsigned.takeoff(-FIRST_ID, 1, 30f), InvalidCommandCause.UNKNOWN_DRONE);
        // Authentic (the ground signed them as they are) but not a command the drone can act on.
        expectDropped(frames.takeoff(FIRST_ID, 0, 30f), InvalidCommandCause.MALFORMED);
        expectDropped(frames.takeoff(FIRST_ID, -5, 30f), InvalidCommandCause.MALFORMED);
        length = frames.takeoff(FIRST_ID, 1, 30f);
        buffer.putByte(MessageHeaderEncoder.ENCODED_LENGTH + CommandDecoder.commandTypeEncodingOffset(), (byte)42);
        expectDropped(frames.sign(length), InvalidCommandCause.MALFORMED);
        expectDropped(frames.encode(FIRST_ID, 1, CommandType.NULL_VAL, 0, 0, 0f, 0f, 0), InvalidCommandCause.MALFORMED);

        assertThat(metrics.commandFramesInvalid()).isEqualTo(15);
        assertThat(metrics.commandsReceived()).isZero();
        assertThat(fleet.answersQueued()).as("nothing answered: nobody to trust").isZero();
    }

    @Test
    void shouldReadWaypointsOfALongerBlockFromANewerSender()
    {
        // A future sender may append fields to each waypoint: the group's own block length is honoured.
        final UnsafeBuffer wide = new UnsafeBuffer(new byte[512]);
        final int length = frames.mission(FIRST_ID, 7, waypoint(52.52, 13.405, 30, 5, 2), waypoint(52.53, 13.405, 30, 5, 0));
        final int group = MessageHeaderEncoder.ENCODED_LENGTH + CommandDecoder.BLOCK_LENGTH;
        final int narrow = CommandDecoder.WaypointsDecoder.sbeBlockLength();
        final int extra = 8;
        wide.putBytes(0, buffer, 0, group + 4);
        wide.putShort(group, (short)(narrow + extra), CommandDecoder.BYTE_ORDER);
        for (int k = 0; k < 2; k++)
        {
            wide.putBytes(group + 4 + k * (narrow + extra), buffer, group + 4 + k * narrow, narrow);
        }
        assertThat(length).isEqualTo(group + 4 + 2 * narrow);
        assertThat(frames.signer.sign(wide, 0, group + 4 + 2 * (narrow + extra))).as("signed as its sender would").isTrue();
        assertThat(intake.onFrame(wide, 0, group + 4 + 2 * (narrow + extra))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        final List<Answer> answers = new ArrayList<>();
        Answer.drain(fleet, answers);
        assertThat(answers).singleElement().satisfies(a ->
        {
            assertThat(a.targetLatitude()).isEqualTo(52.53);
            assertThat(a.type()).isEqualTo(CommandType.MISSION);
        });
    }

    @Test
    void shouldNeverThrowOnGarbageOrMangledCommands()
    {
        final SplittableRandom random = new SplittableRandom(7);
        final UnsafeBuffer garbage = new UnsafeBuffer(new byte[4096]);
        for (int n = 0; n < 20_000; n++)
        {
            final int length;
            if (n % 2 == 0)
            {
                length = random.nextInt(300);
                for (int b = 0; b < length; b++)
                {
                    garbage.putByte(b, (byte)random.nextInt(256));
                }
            }
            else
            {
                // A valid mission for one of our drones with a few bytes flipped: reaches deeper checks.
                length = frames.mission(FIRST_ID + random.nextInt(DRONES), 1 + random.nextInt(50),
                    waypoint(52.52, 13.405, 30, 5, 1), waypoint(52.521, 13.405, Double.NaN, Double.NaN, 0));
                garbage.putBytes(0, buffer, 0, length);
                for (int flips = 0; flips < 3; flips++)
                {
                    garbage.putByte(random.nextInt(length), (byte)random.nextInt(256));
                }
            }
            intake.onFrame(garbage, 0, length);
            Answer.drain(fleet, new ArrayList<>());
        }
        assertThat(metrics.commandFramesInvalid() + metrics.commandsReceived()).isEqualTo(20_000);
        for (int i = 0; i < DRONES; i++)
        {
            fleet.step(i, 0.1);
        }
    }

    private void expectDropped(final int length, final InvalidCommandCause cause)
    {
        expectDropped(buffer, length, cause);
    }

    private void expectDropped(final UnsafeBuffer frame, final int length, final InvalidCommandCause cause)
    {
        final long before = metrics.commandFramesInvalid[cause.ordinal()].get();
        assertThat(intake.onFrame(frame, 0, length)).as("%s", cause).isEqualTo(-1);
        assertThat(metrics.commandFramesInvalid[cause.ordinal()].get()).as("%s", cause).isEqualTo(before + 1);
    }
}
