package io.odyssey.codecs;

import io.odyssey.codecs.sbe.DroneStatus;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Prints the version-3 golden frames as the current writer encodes them. Run by hand only when the schema gains
 * a version; committed vectors must never be regenerated for an existing version (that is what they guard).
 */
public final class GoldenFrameGenerator
{
    private GoldenFrameGenerator()
    {
    }

    public static void main(final String[] args)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        int length = writer.telemetry(buffer, 0, 42, 1001, 1_764_000_000_123_456_789L, 52.5200, 13.4050,
            87.5f, 270.25f, 12.0f, 64.5f, DroneStatus.CRUISING, (byte)(DroneFlag.SIMULATED), 1.5f);
        System.out.println("telemetry-v3: " + GoldenFrames.hex(buffer, length));
        length = writer.heartbeat(buffer, 0, 42, 1_764_000_000_987_654_321L, 1001, 0x7F00_0001, 40124);
        System.out.println("heartbeat-v3: " + GoldenFrames.hex(buffer, length));
    }
}
