package io.odyssey.codecs;

import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameSigner;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Prints the version-4 (signed) golden frames as the current writer and signer encode them. Run by hand only when the
 * schema gains a version; committed vectors must never be regenerated for an existing version (that is what they
 * guard).
 */
public final class GoldenFrameGenerator
{
    /** The golden frames' drone key: bytes 0x00..0x1f. A test vector, never a key anything flies with. */
    public static final byte[] GOLDEN_KEY = new byte[32];
    public static final long GOLDEN_SIGNED_AT_NANOS = 1_764_000_000_123_456_789L;
    public static final int GOLDEN_LINK = 7;

    static
    {
        for (int i = 0; i < GOLDEN_KEY.length; i++)
        {
            GOLDEN_KEY[i] = (byte)i;
        }
    }

    private GoldenFrameGenerator()
    {
    }

    public static FrameSigner goldenSigner()
    {
        return new FrameSigner(DroneKeyRing.of(DroneKeys.of(new DroneKey(42, GOLDEN_KEY))),
            () -> GOLDEN_SIGNED_AT_NANOS, GOLDEN_LINK);
    }

    public static void main(final String[] args)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(goldenSigner());
        int length = writer.telemetry(buffer, 0, 42, 1001, 1_764_000_000_123_456_789L, 52.5200, 13.4050,
            87.5f, 270.25f, 12.0f, 64.5f, DroneStatus.CRUISING, (byte)(DroneFlag.SIMULATED), 1.5f);
        System.out.println("telemetry-v4: " + GoldenFrames.hex(buffer, length));
        writer = new TelemetryFrameWriter().signWith(goldenSigner());
        length = writer.heartbeat(buffer, 0, 42, 1_764_000_000_987_654_321L, 1001, 0x7F00_0001, 40124);
        System.out.println("heartbeat-v4: " + GoldenFrames.hex(buffer, length));
        writer = new TelemetryFrameWriter().signWith(goldenSigner());
        length = writer.commandStatus(buffer, 0, 42, 5, 1_764_000_000_987_654_321L, CommandPhase.DONE,
            CommandReason.NONE, 100f, 0, CommandType.GOTO, 52.52, 13.405, 60f);
        System.out.println("command-status-v4: " + GoldenFrames.hex(buffer, length));
        final UnsafeBuffer commandBuffer = new UnsafeBuffer(new byte[CommandFrameWriter.MAX_FRAME_LENGTH]);
        length = goldenGoto(commandBuffer);
        System.out.println("command-goto-v4: " + GoldenFrames.hex(commandBuffer, length));
        length = goldenMission(commandBuffer);
        System.out.println("command-mission-v4: " + GoldenFrames.hex(commandBuffer, length));
    }

    /** The golden GOTO: drone 42, command 714, to (52.52, 13.405) at 60 m and 8.5 m/s, expiring, signed. */
    public static int goldenGoto(final UnsafeBuffer buffer)
    {
        final int length = new CommandFrameWriter().command(buffer, 0, 42, 714, 1_764_000_000_111_111_111L,
            CommandType.GOTO, CommandParameters.goTo(52.52, 13.405, 60.0, 8.5), 0L, 1_764_000_300_000_000_000L, false);
        goldenSigner().sign(buffer, 0, length);
        return length;
    }

    /**
     * The golden MISSION, asked again for its answer only: drone 42, command 715, two waypoints (the second keeps
     * altitude and speed and does not hover), never expiring, signed.
     */
    public static int goldenMission(final UnsafeBuffer buffer)
    {
        final int length = new CommandFrameWriter().command(buffer, 0, 42, 715, 1_764_000_000_222_222_222L,
            CommandType.MISSION, CommandParameters.mission(java.util.List.of(
                new Waypoint(52.52, 13.405, 60.0, 8.5, 5.0),
                new Waypoint(52.53, 13.41, Double.NaN, Double.NaN, Double.NaN))),
            0L, 0L, true);
        goldenSigner().sign(buffer, 0, length);
        return length;
    }
}
