package io.odyssey.mavlink;

import io.dronefleet.mavlink.MavlinkMessage;
import io.odyssey.mavlink.message.SetupSigning;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SETUP_SIGNING (message 256, the first id past one byte) as Odyssey writes it for the operator's signing step: byte
 * for byte as dronefleet writes it, and as the committed golden frame. It is not in {@link MavlinkMessages}: a vehicle
 * never sends it, and the edge must not take one.
 */
class SetupSigningCodecTest
{
    private static final int GROUND_STATION = 255;
    private static final int GROUND_STATION_COMPONENT = 190;

    private final MavlinkFrameWriter writer = new MavlinkFrameWriter();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[MavlinkFrameWriter.MAX_FRAME_LENGTH]);

    @Test
    void shouldWriteSetupSigningByteForByteAsTheIndependentImplementationAndTheGoldenFrame()
    {
        final int length = writer.write(frame, 0, 0, GROUND_STATION, GROUND_STATION_COMPONENT, setupSigning());
        final byte[] ours = Arrays.copyOf(frame.byteArray(), length);

        assertThat(HexFormat.of().formatHex(ours)).isEqualTo(HexFormat.of().formatHex(
            IndependentMavlink.encode(GROUND_STATION, GROUND_STATION_COMPONENT, independent())));
        assertThat(HexFormat.of().formatHex(ours))
            .isEqualTo(HexFormat.of().formatHex(MavlinkGoldenFramesTest.golden("setup-signing")));
        assertThat(length).as("the whole payload: the key's last byte is not zero").isEqualTo(10 + SetupSigning.LENGTH + 2);
    }

    @Test
    void shouldSignSetupSigningByteForByteAsTheIndependentImplementation()
    {
        // A key change on a vehicle that already signs goes out signed with the current key.
        final int length = writer.writeSigned(frame, 0, 0, GROUND_STATION, GROUND_STATION_COMPONENT, setupSigning(),
            new MavlinkSigner(), Samples.KEY, Samples.LINK, Samples.TIMESTAMP);

        assertThat(HexFormat.of().formatHex(Arrays.copyOf(frame.byteArray(), length))).isEqualTo(HexFormat.of().formatHex(
            IndependentMavlink.encodeSigned(GROUND_STATION, GROUND_STATION_COMPONENT, independent(), Samples.LINK,
                Samples.TIMESTAMP, Samples.KEY)));
    }

    @Test
    void shouldBeReadByTheIndependentImplementationWithEveryField()
    {
        final byte[] golden = MavlinkGoldenFramesTest.golden("setup-signing");
        final MavlinkMessage<?> decoded = IndependentMavlink.decode(golden);

        assertThat(decoded.getOriginSystemId()).isEqualTo(GROUND_STATION);
        assertThat(decoded.getOriginComponentId()).isEqualTo(GROUND_STATION_COMPONENT);
        final io.dronefleet.mavlink.common.SetupSigning payload = (io.dronefleet.mavlink.common.SetupSigning)decoded.getPayload();
        assertThat(payload.targetSystem()).isEqualTo(Samples.SYSTEM);
        assertThat(payload.targetComponent()).isEqualTo(Samples.COMPONENT);
        assertThat(payload.secretKey()).isEqualTo(Samples.KEY);
        assertThat(payload.initialTimestamp()).isEqualTo(BigInteger.valueOf(Samples.TIMESTAMP));
        assertThat(Arrays.copyOfRange(golden, 7, 10)).as("id 256 in MAVLink 2's three id bytes").containsExactly(0, 1, 0);
    }

    @Test
    void shouldReadBackWhatItWroteAndRefuseAKeyOfTheWrongLength()
    {
        final SetupSigning message = setupSigning();
        final byte[] key = new byte[SetupSigning.KEY_LENGTH];
        message.copySecretKey(key);

        assertThat(key).isEqualTo(Samples.KEY);
        assertThat(message.targetSystem()).isEqualTo(Samples.SYSTEM);
        assertThat(message.targetComponent()).isEqualTo(Samples.COMPONENT);
        assertThat(message.initialTimestamp()).isEqualTo(Samples.TIMESTAMP);
        assertThatThrownBy(() -> message.secretKey(new byte[16])).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("32 bytes");
    }

    @Test
    void shouldNotBeAMessageTheEdgeTakes()
    {
        final byte[] golden = MavlinkGoldenFramesTest.golden("setup-signing");

        assertThat(new MavlinkFrameReader().read(new UnsafeBuffer(golden), 0, golden.length))
            .isEqualTo(MavlinkFrameReader.UNKNOWN_MESSAGE);
    }

    private SetupSigning setupSigning()
    {
        return writer.begin(new SetupSigning()).targetSystem(Samples.SYSTEM).targetComponent(Samples.COMPONENT)
            .secretKey(Samples.KEY).initialTimestamp(Samples.TIMESTAMP);
    }

    private static io.dronefleet.mavlink.common.SetupSigning independent()
    {
        return io.dronefleet.mavlink.common.SetupSigning.builder().targetSystem(Samples.SYSTEM)
            .targetComponent(Samples.COMPONENT).secretKey(Samples.KEY.clone())
            .initialTimestamp(BigInteger.valueOf(Samples.TIMESTAMP)).build();
    }
}
