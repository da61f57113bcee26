package io.odyssey.codecs;

import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import io.odyssey.codecs.sbe.TelemetryEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.odyssey.codecs.TelemetryFrameReader.HEARTBEAT;
import static io.odyssey.codecs.TelemetryFrameReader.REJECTED;
import static io.odyssey.codecs.TelemetryFrameReader.TELEMETRY;
import static org.assertj.core.api.Assertions.assertThat;

class TelemetryFrameReaderTest
{
    private static final long SENT_AT = 1_764_000_000_123_456_789L;

    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);

    @Test
    void shouldDecodeGoldenVersion2Telemetry()
    {
        final UnsafeBuffer frame = GoldenFrames.load("telemetry-v2.hex");

        assertThat(reader.read(frame, 0, frame.capacity())).isEqualTo(TELEMETRY);
        TelemetryInvariants.check(reader.telemetry());
        assertThat(reader.telemetry().droneId()).isEqualTo(42);
        assertThat(reader.telemetry().sequence()).isEqualTo(1001);
        assertThat(reader.telemetry().sentAtNanos()).isEqualTo(SENT_AT);
        assertThat(reader.telemetry().latitude()).isEqualTo(52.52);
        assertThat(reader.telemetry().longitude()).isEqualTo(13.405);
        assertThat(reader.telemetry().altitude()).isEqualTo(87.5f);
        assertThat(reader.telemetry().heading()).isEqualTo(270.25f);
        assertThat(reader.telemetry().groundSpeed()).isEqualTo(12f);
        assertThat(reader.telemetry().battery()).isEqualTo(64.5f);
        assertThat(reader.telemetry().status()).isEqualTo(DroneStatus.CRUISING);
        assertThat(reader.telemetry().flags().simulated()).isTrue();
        assertThat(reader.telemetry().flags().lowBattery()).isFalse();
        assertThat(reader.climbRate()).isEqualTo(1.5f);
    }

    @Test
    void shouldDecodeGoldenVersion1TelemetryFromAnOlderSender()
    {
        final UnsafeBuffer frame = GoldenFrames.load("telemetry-v1.hex");

        assertThat(reader.read(frame, 0, frame.capacity())).isEqualTo(TELEMETRY);
        TelemetryInvariants.check(reader.telemetry());
        assertThat(reader.header().version()).isEqualTo(1);
        assertThat(reader.telemetry().sequence()).isEqualTo(1001);
        assertThat(reader.telemetry().battery()).isEqualTo(64.5f);
        assertThat(reader.telemetry().status()).isEqualTo(DroneStatus.CRUISING);
        assertThat(reader.climbRate()).as("absent in version 1").isEqualTo(0f);
    }

    @Test
    void shouldDecodeGoldenHeartbeat()
    {
        final UnsafeBuffer frame = GoldenFrames.load("heartbeat-v2.hex");

        assertThat(reader.read(frame, 0, frame.capacity())).isEqualTo(HEARTBEAT);
        assertThat(reader.heartbeat().droneId()).isEqualTo(42);
        assertThat(reader.heartbeat().sentAtNanos()).isEqualTo(1_764_000_000_987_654_321L);
        assertThat(reader.heartbeat().lastSequence()).isEqualTo(1001);
    }

    @Test
    void shouldRejectGoldenFrameFromANewerVersion()
    {
        final UnsafeBuffer frame = GoldenFrames.load("telemetry-v5-from-the-future.hex");

        assertThat(reader.read(frame, 0, frame.capacity())).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.UNSUPPORTED_VERSION);
    }

    @Test
    void shouldDecodeTheCommandEndpointOfAVersion3HeartbeatAndNoneOfAVersion2One()
    {
        final UnsafeBuffer v3 = GoldenFrames.load("heartbeat-v3.hex");
        assertThat(reader.read(v3, 0, v3.capacity())).isEqualTo(HEARTBEAT);
        assertThat(reader.heartbeatCommandAddress()).isEqualTo(0x7F00_0001);
        assertThat(reader.heartbeatCommandPort()).isEqualTo(40124);

        final UnsafeBuffer v2 = GoldenFrames.load("heartbeat-v2.hex");
        assertThat(reader.read(v2, 0, v2.capacity())).isEqualTo(HEARTBEAT);
        assertThat(reader.heartbeatCommandAddress()).isZero();
        assertThat(reader.heartbeatCommandPort()).isZero();
    }

    @Test
    void shouldRoundTripACommandStatusAndRefuseOneWithProgressOutOfRange()
    {
        int length = writer.commandStatus(buffer, 0, 42, 77, SENT_AT, io.odyssey.codecs.sbe.CommandPhase.IN_PROGRESS,
            io.odyssey.codecs.sbe.CommandReason.NONE, 40f, 1, CommandType.MISSION, 52.5, 13.4, 60f);
        assertThat(reader.read(buffer, 0, length)).isEqualTo(TelemetryFrameReader.COMMAND_STATUS);
        assertThat(reader.commandStatus().commandId()).isEqualTo(77);
        assertThat(reader.commandStatus().progress()).isEqualTo(40f);
        assertThat(reader.commandStatus().waypointIndex()).isEqualTo(1);

        length = writer.commandStatus(buffer, 0, 42, 77, SENT_AT, io.odyssey.codecs.sbe.CommandPhase.IN_PROGRESS,
            io.odyssey.codecs.sbe.CommandReason.NONE, 140f, 1, CommandType.MISSION, 52.5, 13.4, 60f);
        assertThat(reader.read(buffer, 0, length)).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.UNKNOWN_STATUS);
    }

    @Test
    void shouldRoundTripEveryStatusAndFlagCombination()
    {
        for (final DroneStatus status : DroneStatus.values())
        {
            if (status == DroneStatus.NULL_VAL)
            {
                continue;
            }
            for (int flags = 0; flags < 16; flags++)
            {
                final int length = writer.telemetry(buffer, 8, 7, flags + 1, SENT_AT, -33.9, 151.2, 10f, 359.9f, 0f,
                    100f, status, (byte)flags, -2f);
                assertThat(reader.read(buffer, 8, length)).isEqualTo(TELEMETRY);
                TelemetryInvariants.check(reader.telemetry());
                assertThat(reader.telemetry().status()).isEqualTo(status);
                assertThat(reader.telemetry().flags().getRaw()).isEqualTo((short)flags);
                assertThat(reader.climbRate()).isEqualTo(-2f);
            }
        }
    }

    @Test
    void shouldAcceptOnlyTheConfiguredDroneIdsInEveryFrameADroneSends()
    {
        reader.droneIds(100, 199);
        assertThat(reader.read(buffer, 0, telemetryFrom(100))).isEqualTo(TELEMETRY);
        assertThat(reader.read(buffer, 0, telemetryFrom(199))).isEqualTo(TELEMETRY);
        assertThat(reader.read(buffer, 0, telemetryFrom(99))).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.DRONE_ID_OUT_OF_RANGE);
        assertThat(reader.read(buffer, 0, telemetryFrom(200))).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.DRONE_ID_OUT_OF_RANGE);
        assertThat(reader.read(buffer, 0, telemetryFrom(0))).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).as("not positive is its own reason").isEqualTo(RejectReason.INVALID_DRONE_ID);

        assertThat(reader.read(buffer, 0, writer.heartbeat(buffer, 0, 150, SENT_AT, 1))).isEqualTo(HEARTBEAT);
        assertThat(reader.read(buffer, 0, writer.heartbeat(buffer, 0, 250, SENT_AT, 1))).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.DRONE_ID_OUT_OF_RANGE);
        final int status = writer.commandStatus(buffer, 0, 250, 77, SENT_AT, io.odyssey.codecs.sbe.CommandPhase.ACCEPTED,
            io.odyssey.codecs.sbe.CommandReason.NONE, 0f, 0, CommandType.HOLD, 52.5, 13.4, 60f);
        assertThat(reader.read(buffer, 0, status)).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.DRONE_ID_OUT_OF_RANGE);
    }

    @Test
    void shouldRefuseADroneIdRangeBeyondTheContract()
    {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.droneIds(0, 10))
            .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.droneIds(10, 9))
            .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.droneIds(1, TelemetryFrameReader.MAX_DRONE_ID + 1))
            .isInstanceOf(IllegalArgumentException.class);
        reader.droneIds(1, TelemetryFrameReader.MAX_DRONE_ID);
        assertThat(reader.read(buffer, 0, telemetryFrom(TelemetryFrameReader.MAX_DRONE_ID))).isEqualTo(TELEMETRY);
    }

    private int telemetryFrom(final long droneId)
    {
        return writer.telemetry(buffer, 0, droneId, 1, SENT_AT, 1.0, 2.0, 3f, 4f, 5f, 6f, DroneStatus.HOVERING, (byte)0, 0f);
    }

    @Test
    void shouldRejectFrameShorterThanHeader()
    {
        assertThat(reader.read(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH - 1)).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.TRUNCATED);
    }

    @Test
    void shouldRejectFrameShorterThanItsDeclaredBlock()
    {
        final int length = validFrame();
        assertThat(reader.read(buffer, 0, length - 1)).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.TRUNCATED);
    }

    @Test
    void shouldRejectTelemetryBlockShorterThanVersion1()
    {
        final int length = validFrame();
        buffer.putShort(0, (short)(TelemetryFrameReader.TELEMETRY_V1_BLOCK_LENGTH - 1));
        assertThat(reader.read(buffer, 0, length)).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(RejectReason.TRUNCATED);
    }

    static Stream<Arguments> corruptions()
    {
        return Stream.of(
            corrupt("unknown schema", RejectReason.UNKNOWN_SCHEMA, b -> b.putShort(4, (short)999)),
            corrupt("unknown template", RejectReason.UNKNOWN_TEMPLATE, b -> b.putShort(2, (short)77)),
            corrupt("newer version", RejectReason.UNSUPPORTED_VERSION, b -> b.putShort(6, (short)5)),
            corrupt("drone id zero", RejectReason.INVALID_DRONE_ID, b -> b.putLong(body(TelemetryEncoder.droneIdEncodingOffset()), 0)),
            corrupt("negative drone id", RejectReason.INVALID_DRONE_ID, b -> b.putLong(body(TelemetryEncoder.droneIdEncodingOffset()), -5)),
            corrupt("drone id 2^53, beyond what a JSON number holds", RejectReason.DRONE_ID_OUT_OF_RANGE,
                b -> b.putLong(body(TelemetryEncoder.droneIdEncodingOffset()), 1L << 53)),
            corrupt("drone id 2^63 - 1", RejectReason.DRONE_ID_OUT_OF_RANGE,
                b -> b.putLong(body(TelemetryEncoder.droneIdEncodingOffset()), Long.MAX_VALUE)),
            corrupt("latitude above 90", RejectReason.LATITUDE_OUT_OF_RANGE, b -> b.putDouble(body(TelemetryEncoder.latitudeEncodingOffset()), 90.0001)),
            corrupt("latitude NaN", RejectReason.LATITUDE_OUT_OF_RANGE, b -> b.putDouble(body(TelemetryEncoder.latitudeEncodingOffset()), Double.NaN)),
            corrupt("longitude below -180", RejectReason.LONGITUDE_OUT_OF_RANGE, b -> b.putDouble(body(TelemetryEncoder.longitudeEncodingOffset()), -180.5)),
            corrupt("altitude absurd", RejectReason.ALTITUDE_OUT_OF_RANGE, b -> b.putFloat(body(TelemetryEncoder.altitudeEncodingOffset()), 1e9f)),
            corrupt("heading 360", RejectReason.HEADING_OUT_OF_RANGE, b -> b.putFloat(body(TelemetryEncoder.headingEncodingOffset()), 360f)),
            corrupt("negative speed", RejectReason.NEGATIVE_SPEED, b -> b.putFloat(body(TelemetryEncoder.groundSpeedEncodingOffset()), -0.1f)),
            corrupt("battery above 100", RejectReason.BATTERY_OUT_OF_RANGE, b -> b.putFloat(body(TelemetryEncoder.batteryEncodingOffset()), 100.5f)),
            corrupt("battery negative", RejectReason.BATTERY_OUT_OF_RANGE, b -> b.putFloat(body(TelemetryEncoder.batteryEncodingOffset()), -1f)),
            corrupt("unknown status", RejectReason.UNKNOWN_STATUS, b -> b.putByte(body(TelemetryEncoder.statusEncodingOffset()), (byte)42)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void shouldRejectCorruptedFrameWithItsReason(
        final String name, final RejectReason expected, final Consumer<UnsafeBuffer> corruption)
    {
        final int length = validFrame();
        corruption.accept(buffer);

        assertThat(reader.read(buffer, 0, length)).isEqualTo(REJECTED);
        assertThat(reader.rejectReason()).isEqualTo(expected);

        // The flyweight carries no state from a rejected frame into the next one.
        assertThat(reader.read(buffer, 0, validFrame())).isEqualTo(TELEMETRY);
        assertThat(reader.rejectReason()).isNull();
    }

    private int validFrame()
    {
        return writer.telemetry(buffer, 0, 9, 1, SENT_AT, 1.0, 2.0, 3f, 4f, 5f, 6f, DroneStatus.HOVERING, (byte)0, 0f);
    }

    private static int body(final int fieldOffset)
    {
        return MessageHeaderEncoder.ENCODED_LENGTH + fieldOffset;
    }

    private static Arguments corrupt(final String name, final RejectReason reason, final Consumer<UnsafeBuffer> corruption)
    {
        return Arguments.of(name, reason, corruption);
    }
}
