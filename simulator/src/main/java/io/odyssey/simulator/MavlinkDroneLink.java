package io.odyssey.simulator;

import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.mavlink.MavlinkFrameWriter;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.mavlink.message.ExtendedSysState;
import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.Heartbeat;
import io.odyssey.mavlink.message.SysStatus;
import io.odyssey.runtime.Counter;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * The simulator's MAVLink mode: some of its drones speak MAVLink 2 to a MAVLink edge, as a PX4 multicopter would,
 * instead of SBE to ingest. They fly the same kinematics; each telemetry step is one datagram holding
 * EXTENDED_SYS_STATE and GLOBAL_POSITION_INT (and once a second HEARTBEAT and SYS_STATUS), every frame signed with the
 * drone's key. System ids are 1..n in the order of the MAVLink drones' ids (the launcher writes the edge's registry).
 * On the publisher's thread; allocation-free per step.
 */
final class MavlinkDroneLink implements AutoCloseable
{
    /** The autopilot component, as PX4 and ArduPilot number it. */
    static final int COMPONENT = 1;
    static final int PX4 = 12;
    static final int QUADROTOR = 2;
    static final int ARMED = 0x80 | 0x01;
    static final int DISARMED = 0x01;
    /** The simulated home's altitude above sea level (GLOBAL_POSITION_INT.alt is MSL). */
    static final double HOME_MSL_M = 34.0;
    private static final long STATE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long PX4_AUTO = 4L << 16;

    private final DroneFleet fleet;
    private final int firstIndex;
    private final DatagramChannel channel;
    private final DroneKeyRing keys;
    private final EpochNanoClock clock;
    private final Counter framesSent;
    private final Counter sendsFailed;
    private final MavlinkFrameWriter writer = new MavlinkFrameWriter();
    private final MavlinkSigner signer = new MavlinkSigner();
    private final Heartbeat heartbeat = new Heartbeat();
    private final SysStatus sysStatus = new SysStatus();
    private final ExtendedSysState extendedSysState = new ExtendedSysState();
    private final GlobalPositionInt position = new GlobalPositionInt();
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(4 * MavlinkFrameWriter.MAX_FRAME_LENGTH);
    private final UnsafeBuffer buffer = new UnsafeBuffer(datagram);
    private final int[] sequence;
    private final long[] lastTimestamp;
    private final long[] stateDueNs;
    private final DroneKeys.Entry[] keyEntry;
    private final byte[][] key;

    /**
     * @param count the last {@code count} drones of the fleet speak MAVLink (1..255: a system id each).
     * @param edge  host:port of the MAVLink edge.
     */
    MavlinkDroneLink(final DroneFleet fleet, final int count, final String edge, final DroneKeyRing keys,
        final EpochNanoClock clock, final Counter framesSent, final Counter sendsFailed) throws IOException
    {
        this.fleet = fleet;
        this.firstIndex = fleet.size() - count;
        this.keys = keys;
        this.clock = clock;
        this.framesSent = framesSent;
        this.sendsFailed = sendsFailed;
        final int colon = edge.lastIndexOf(':');
        channel = DatagramChannel.open();
        channel.configureBlocking(false);
        channel.connect(new InetSocketAddress(edge.substring(0, colon), Integer.parseInt(edge.substring(colon + 1))));
        sequence = new int[count];
        lastTimestamp = new long[count];
        stateDueNs = new long[count];
        keyEntry = new DroneKeys.Entry[count];
        key = new byte[count][];
    }

    boolean speaksMavlink(final int index)
    {
        return index >= firstIndex;
    }

    /** The MAVLink system id of a MAVLink drone. */
    int systemId(final int index)
    {
        return index - firstIndex + 1;
    }

    /** Sends what a PX4 vehicle streams for one step of drone {@code index}. */
    void step(final int index, final long nowNs)
    {
        final int slot = index - firstIndex;
        final long droneId = fleet.droneId(index);
        final DroneKeys.Entry entry = keys.keys().entry(droneId);
        if (entry == null)
        {
            sendsFailed.increment();
            return;
        }
        if (entry != keyEntry[slot])
        {
            keyEntry[slot] = entry;
            key[slot] = entry.current().keyBytes();
        }
        final DroneStatus status = fleet.status(index);
        int length = 0;
        if (nowNs >= stateDueNs[slot])
        {
            stateDueNs[slot] = nowNs + STATE_INTERVAL_NS;
            writer.begin(heartbeat).type(QUADROTOR).autopilot(PX4).mavlinkVersion(3)
                .baseMode(status == DroneStatus.GROUNDED ? DISARMED : ARMED).customMode(customMode(status))
                .systemStatus(status == DroneStatus.EMERGENCY ? 6 : status == DroneStatus.GROUNDED ? 3 : 4);
            length += frame(slot, length, heartbeat);
            writer.begin(sysStatus).batteryRemaining((int)Math.round(fleet.battery(index))).voltageBattery(15_800)
                .currentBattery(-1);
            length += frame(slot, length, sysStatus);
        }
        writer.begin(extendedSysState).landedState(landedState(status));
        length += frame(slot, length, extendedSysState);
        final double speedCms = fleet.speed(index) * 100;
        final double heading = Math.toRadians(fleet.heading(index));
        writer.begin(position).timeBootMs(TimeUnit.NANOSECONDS.toMillis(nowNs) & 0xFFFF_FFFFL)
            .lat((int)Math.round(fleet.latitude(index) * 1e7)).lon((int)Math.round(fleet.longitude(index) * 1e7))
            .relativeAlt((int)Math.round(fleet.altitude(index) * 1000))
            .alt((int)Math.round((fleet.altitude(index) + HOME_MSL_M) * 1000))
            .vx((int)Math.round(speedCms * Math.cos(heading))).vy((int)Math.round(speedCms * Math.sin(heading)))
            .vz((int)Math.round(-fleet.climbRate(index) * 100)).hdg(Math.round(fleet.headingDegrees(index) * 100) % 36_000);
        length += frame(slot, length, position);
        datagram.limit(length).position(0);
        try
        {
            if (channel.write(datagram) > 0)
            {
                framesSent.increment();
                return;
            }
        }
        catch (final IOException ex)
        {
            // Nobody listening (ICMP port unreachable on a connected socket): the next step tries again.
        }
        sendsFailed.increment();
    }

    private int frame(final int slot, final int offset, final io.odyssey.mavlink.message.MessageFlyweight message)
    {
        final long now = MavlinkSigner.timestampOfUnixMicros(clock.nanoTime() / 1_000);
        final long timestamp = Math.max(lastTimestamp[slot] + 1, now);
        lastTimestamp[slot] = timestamp;
        final int seq = sequence[slot];
        sequence[slot] = (seq + 1) & 0xFF;
        return writer.writeSigned(buffer, offset, seq, slot + 1, COMPONENT, message, signer, key[slot], 0, timestamp);
    }

    /** PX4's custom mode for a phase (AUTO with its sub mode). */
    static long customMode(final DroneStatus status)
    {
        final long sub = switch (status)
        {
            case TAKING_OFF -> 2;
            case HOVERING -> 3;
            case LANDING -> 6;
            case RETURNING -> 5;
            default -> 4;
        };
        return PX4_AUTO | sub << 24;
    }

    static int landedState(final DroneStatus status)
    {
        return switch (status)
        {
            case GROUNDED -> 1;
            case TAKING_OFF -> 3;
            case LANDING -> 4;
            default -> 2;
        };
    }

    public void close() throws IOException
    {
        channel.close();
    }
}
