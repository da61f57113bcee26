package io.odyssey.codecs;

import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameVerifier;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;

import static io.odyssey.codecs.GoldenFrameGenerator.GOLDEN_KEY;
import static io.odyssey.codecs.GoldenFrameGenerator.GOLDEN_SIGNED_AT_NANOS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command frames the ground sends, against committed golden frames (src/test/resources/golden): the writer must
 * produce them byte for byte, a drone's reader must read them as the contract's types, and anything that is not a
 * whole command frame of a known version is refused with the reason before any field is trusted.
 */
class CommandFrameReaderTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CommandFrameWriter.MAX_FRAME_LENGTH]);
    private final CommandFrameReader reader = new CommandFrameReader();

    @Test
    void shouldWriteTheGoldenCommandFramesByteForByte()
    {
        final int gotoLength = GoldenFrameGenerator.goldenGoto(buffer);
        assertThat(GoldenFrames.hex(buffer, gotoLength)).isEqualTo(golden("command-goto-v4-signed.hex"));

        final int missionLength = GoldenFrameGenerator.goldenMission(buffer);
        assertThat(GoldenFrames.hex(buffer, missionLength)).isEqualTo(golden("command-mission-v4-signed.hex"));
    }

    @Test
    void shouldReadTheGoldenGotoAsTheContractsTypesWithAValidSignature()
    {
        final UnsafeBuffer frame = GoldenFrames.load("command-goto-v4-signed.hex");

        assertThat(reader.read(frame, 0, frame.capacity())).isNull();
        assertThat(reader.droneId()).isEqualTo(42);
        assertThat(reader.commandId()).isEqualTo(714);
        assertThat(reader.type()).isEqualTo(CommandType.GOTO);
        assertThat(reader.latitude()).isEqualTo(52.52);
        assertThat(reader.longitude()).isEqualTo(13.405);
        assertThat(reader.altitude()).isEqualTo(60f);
        assertThat(reader.speed()).isEqualTo(8.5f);
        assertThat(reader.expiresAtNanos()).isEqualTo(1_764_000_300_000_000_000L);
        assertThat(reader.repeatAnswerOnly()).isFalse();
        assertThat(reader.waypointCount()).isZero();
        assertThat(reader.nextWaypoint()).isFalse();
        // Signed under the drone's key: what a drone checks before it acts.
        final FrameVerifier verifier = new FrameVerifier(DroneKeyRing.of(DroneKeys.of(new DroneKey(42, GOLDEN_KEY))),
            () -> GOLDEN_SIGNED_AT_NANOS, java.util.concurrent.TimeUnit.SECONDS.toNanos(60));
        assertThat(verifier.verify(frame, 0, frame.capacity())).isNull();
    }

    @Test
    void shouldReadTheGoldenMissionsWaypointsInOrderWithWhatTheyLeaveOpen()
    {
        final UnsafeBuffer frame = GoldenFrames.load("command-mission-v4-signed.hex");

        assertThat(reader.read(frame, 0, frame.capacity())).isNull();
        assertThat(reader.type()).isEqualTo(CommandType.MISSION);
        assertThat(reader.commandId()).isEqualTo(715);
        assertThat(reader.repeatAnswerOnly()).isTrue();
        assertThat(reader.expiresAtNanos()).isZero();
        assertThat(reader.latitude()).isNaN();
        assertThat(reader.waypointCount()).isEqualTo(2);
        assertThat(reader.nextWaypoint()).isTrue();
        assertThat(List.of(reader.waypointLatitude(), reader.waypointLongitude())).containsExactly(52.52, 13.405);
        assertThat(List.of(reader.waypointAltitude(), reader.waypointSpeed(), reader.waypointHoldSeconds()))
            .containsExactly(60f, 8.5f, 5f);
        assertThat(reader.nextWaypoint()).isTrue();
        assertThat(List.of(reader.waypointLatitude(), reader.waypointLongitude())).containsExactly(52.53, 13.41);
        assertThat(reader.waypointAltitude()).as("keep the altitude").isNaN();
        assertThat(reader.waypointSpeed()).as("cruise speed").isNaN();
        assertThat(reader.waypointHoldSeconds()).as("not given: no hover").isZero();
        assertThat(reader.nextWaypoint()).isFalse();
    }

    @Test
    void shouldRefuseWhatIsNoWholeCommandFrameOfAKnownVersionWithTheReason()
    {
        final UnsafeBuffer mission = GoldenFrames.load("command-mission-v4-signed.hex");
        assertThat(reader.read(mission, 0, mission.capacity() - 1)).as("its last waypoint cut short")
            .isEqualTo(RejectReason.TRUNCATED);
        assertThat(reader.read(mission, 0, 7)).as("not even a header").isEqualTo(RejectReason.TRUNCATED);
        // A group claiming more waypoints than the frame holds.
        mission.putShort(8 + 81 + 2, (short)3, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(reader.read(mission, 0, mission.capacity())).isEqualTo(RejectReason.TRUNCATED);

        final UnsafeBuffer telemetry = GoldenFrames.load("telemetry-v4-signed.hex");
        assertThat(reader.read(telemetry, 0, telemetry.capacity())).isEqualTo(RejectReason.UNKNOWN_TEMPLATE);

        final UnsafeBuffer future = GoldenFrames.load("command-goto-v4-signed.hex");
        future.putShort(6, (short)5, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(reader.read(future, 0, future.capacity())).isEqualTo(RejectReason.UNSUPPORTED_VERSION);
        final UnsafeBuffer foreign = GoldenFrames.load("command-goto-v4-signed.hex");
        foreign.putShort(4, (short)7002, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(reader.read(foreign, 0, foreign.capacity())).isEqualTo(RejectReason.UNKNOWN_SCHEMA);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.UNKNOWN_SCHEMA);

        final UnsafeBuffer unknownType = GoldenFrames.load("command-goto-v4-signed.hex");
        unknownType.putByte(8 + 24, (byte)42);
        assertThat(reader.read(unknownType, 0, unknownType.capacity())).isNull();
        assertThat(reader.type()).as("a type this version does not know").isNull();
    }

    @Test
    void shouldRefuseToWriteAMissionLongerThanTheContractAllows()
    {
        final Waypoint point = new Waypoint(52.5, 13.4, 30.0, 5.0, 0.0);
        final CommandFrameWriter writer = new CommandFrameWriter();
        final int longest = writer.command(buffer, 0, 42, 1, 0L, CommandType.MISSION,
            CommandParameters.mission(Collections.nCopies(CommandLimits.MAX_WAYPOINTS, point)), 0L, 0L, false);
        assertThat(longest).isEqualTo(CommandFrameWriter.MAX_FRAME_LENGTH);
        assertThat(reader.read(buffer, 0, longest)).isNull();
        assertThat(reader.waypointCount()).isEqualTo(CommandLimits.MAX_WAYPOINTS);

        assertThatThrownBy(() -> writer.command(buffer, 0, 42, 1, 0L, CommandType.MISSION,
            CommandParameters.mission(Collections.nCopies(CommandLimits.MAX_WAYPOINTS + 1, point)), 0L, 0L, false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 100 waypoints");
    }

    @Test
    void shouldNameEveryCommandTypeAsTheContractDoesAndFindItByThatNameAndByItsWireCode()
    {
        assertThat(CommandType.wireNames()).isEqualTo(
            "takeoff, goto, mission, hold, resume, return-to-home, land, set-speed, cancel, stop");
        for (final CommandType type : CommandType.values())
        {
            assertThat(CommandType.fromWireName(type.wireName())).isEqualTo(type);
            assertThat(CommandType.fromCode(type.sbe().value())).isEqualTo(type);
            assertThat(type.sbe().name()).isEqualTo(type.name());
        }
        assertThat(CommandType.fromWireName("return_home")).isNull();
        assertThat(CommandType.fromWireName(null)).isNull();
        assertThat(CommandType.fromCode(255)).isNull();
        assertThat(CommandType.fromCode(-1)).isNull();
    }

    private static String golden(final String name)
    {
        final UnsafeBuffer frame = GoldenFrames.load(name);
        return GoldenFrames.hex(frame, frame.capacity());
    }
}
