package io.odyssey.bench;

import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.mavlink.MavlinkFrameWriter;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.mavlink.SignedStreams;
import io.odyssey.mavlink.message.ExtendedSysState;
import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.Heartbeat;
import io.odyssey.mavlink.message.SysStatus;
import io.odyssey.runtime.Setting;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The MAVLink scenario's vehicles: paced MAVLink 2 telemetry as PX4 multicopters send it, every frame signed with the
 * vehicle's drone key, over UDP to MAVLink edges, {@link #VEHICLES_PER_EDGE} vehicles per edge (system ids 1..250: a
 * MAVLink system id is one byte, so 1,000 vehicles need several edges). A vehicle's step is one datagram as PX4 packs
 * them and as the simulator's MAVLink drones send: EXTENDED_SYS_STATE and GLOBAL_POSITION_INT, and once a second
 * HEARTBEAT and SYS_STATUS.
 * <p>
 * <b>The send instant.</b> MAVLink carries no send time Odyssey trusts: the edge stamps a position with the instant it
 * receives it ({@code sentAtNs} from there on). So the vehicles keep their own: the scheduled send time of each
 * vehicle's n-th position is kept here in a ring by n mod {@link #RING}, and n mod {@link #RING} travels in the
 * position itself, as the last three digits of its longitude in degE7 (1e-7°, about a centimetre), which the edge,
 * ingest, the grid and the gateway carry unchanged to the client. The client reads it back with {@link #sentAt}. A
 * vehicle that falls behind its schedule shows as latency, as in the SBE scenarios (coordinated omission corrected).
 */
final class MavlinkVehicles implements AutoCloseable
{
    static final int VEHICLES_PER_EDGE = 250;
    /** Positions of a vehicle whose send time is kept: 100 s at 10 Hz, far beyond any latency worth measuring. */
    static final int RING = 1_000;
    private static final int LATITUDE_E7 = 526_000_000;
    private static final int LONGITUDE_E7 = 134_000_000;
    /** Vehicles 1e-5° apart (about a metre), as the SBE scenario's drones are. */
    private static final int VEHICLE_SPACING_E7 = 100;
    private static final long STATE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int AUTOPILOT_COMPONENT = 1;
    private static final int QUADROTOR = 2;
    private static final int PX4 = 12;
    private static final int ARMED = 0x80 | 0x01;
    /** PX4 AUTO.MISSION: the vehicle cruises its mission. */
    private static final long PX4_AUTO_MISSION = 4L << 16 | 4L << 24;
    private static final int MAV_STATE_ACTIVE = 4;
    private static final int LANDED_IN_AIR = 2;
    private static final Setting KEYS = Setting.of("ODYSSEY_BENCH_MAVLINK_KEYS", "", "drone key file of the bench's vehicles");

    private final long firstDroneId;
    private final int vehicles;
    private final DatagramChannel[] edges;
    private final byte[][] keys;
    private final MavlinkFrameWriter writer = new MavlinkFrameWriter();
    private final SignedStreams streams;
    private final Heartbeat heartbeat = new Heartbeat();
    private final SysStatus sysStatus = new SysStatus();
    private final ExtendedSysState extendedSysState = new ExtendedSysState();
    private final GlobalPositionInt position = new GlobalPositionInt();
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(4 * MavlinkFrameWriter.MAX_FRAME_LENGTH);
    private final UnsafeBuffer buffer = new UnsafeBuffer(datagram);
    private final long[] positions;
    private final long[] stateDueNs;
    /** Per vehicle, {@link #RING} scheduled send times (Unix epoch ns) from {@code vehicle * RING}. */
    private final AtomicLongArray sentAt;
    private final long bootNs = System.nanoTime();
    private long sent;
    private long failed;

    /**
     * @param edgePorts the UDP ports of the edges on loopback: vehicle {@code v} sends to edge {@code v / 250} as
     *                  system id {@code v % 250 + 1}, drone {@code firstDroneId + v}.
     */
    MavlinkVehicles(final long firstDroneId, final int vehicles, final List<Integer> edgePorts, final Path droneKeys)
        throws IOException
    {
        if (edgePorts.size() * VEHICLES_PER_EDGE < vehicles)
        {
            throw new IllegalArgumentException(vehicles + " vehicles need " + edges(vehicles) + " edges, not " +
                edgePorts.size());
        }
        this.firstDroneId = firstDroneId;
        this.vehicles = vehicles;
        this.edges = new DatagramChannel[edgePorts.size()];
        for (int e = 0; e < edges.length; e++)
        {
            edges[e] = DatagramChannel.open();
            edges[e].configureBlocking(false);
            edges[e].connect(new InetSocketAddress("127.0.0.1", edgePorts.get(e)));
        }
        final DroneKeys ring = DroneKeyRing.load(KEYS, droneKeys).keys();
        this.keys = new byte[vehicles][];
        for (int v = 0; v < vehicles; v++)
        {
            final DroneKeys.Entry entry = ring.entry(firstDroneId + v);
            if (entry == null)
            {
                throw new IllegalArgumentException("no key for drone " + (firstDroneId + v) + " in " + droneKeys);
            }
            keys[v] = entry.current().keyBytes();
        }
        this.streams = new SignedStreams(writer, new MavlinkSigner(), vehicles);
        this.positions = new long[vehicles];
        this.stateDueNs = new long[vehicles];
        this.sentAt = new AtomicLongArray(vehicles * RING);
    }

    /** The edges {@code vehicles} vehicles need. */
    static int edges(final int vehicles)
    {
        return (vehicles + VEHICLES_PER_EDGE - 1) / VEHICLES_PER_EDGE;
    }

    /** The system id vehicle {@code v} speaks as to its edge. */
    static int systemId(final int v)
    {
        return v % VEHICLES_PER_EDGE + 1;
    }

    /**
     * Sends the vehicles' telemetry: {@code rateHz} positions a second each for {@code seconds}, paced as the SBE
     * publisher paces its frames (one vehicle after the other).
     *
     * @return each vehicle's positions sent so far.
     */
    long[] run(final double rateHz, final int seconds, final int warmUpS, final Runnable measuring,
        final Runnable everySecond)
    {
        sent = 0;
        failed = 0;
        LoadHarness.pace(vehicles * rateHz, seconds, warmUpS, measuring, everySecond, this::step);
        return positions.clone();
    }

    /** Step {@code k} of the run: vehicle {@code k mod vehicles}, one datagram. */
    private boolean step(final long k, final long dueEpochNanos)
    {
        final int v = (int)(k % vehicles);
        final long n = ++positions[v];
        final long nowNs = System.nanoTime();
        int length = 0;
        if (nowNs >= stateDueNs[v])
        {
            stateDueNs[v] = nowNs + STATE_INTERVAL_NS;
            writer.begin(heartbeat).type(QUADROTOR).autopilot(PX4).mavlinkVersion(3).baseMode(ARMED)
                .customMode(PX4_AUTO_MISSION).systemStatus(MAV_STATE_ACTIVE);
            length += frame(v, length, heartbeat, dueEpochNanos);
            writer.begin(sysStatus).batteryRemaining(80).voltageBattery(15_800).currentBattery(-1);
            length += frame(v, length, sysStatus, dueEpochNanos);
        }
        writer.begin(extendedSysState).landedState(LANDED_IN_AIR);
        length += frame(v, length, extendedSysState, dueEpochNanos);
        writer.begin(position).timeBootMs(TimeUnit.NANOSECONDS.toMillis(nowNs - bootNs) & 0xFFFF_FFFFL)
            .lat(LATITUDE_E7 + (v + 1) * VEHICLE_SPACING_E7).lon(LONGITUDE_E7 + (int)(n % RING))
            .relativeAlt(100_000).alt(134_000).vx(0).vy(1_200).vz(0).hdg(9_000);
        length += frame(v, length, position, dueEpochNanos);
        sentAt.set(v * RING + (int)(n % RING), dueEpochNanos);
        datagram.limit(length).position(0);
        try
        {
            if (edges[v / VEHICLES_PER_EDGE].write(datagram) > 0)
            {
                sent++;
                return true;
            }
        }
        catch (final IOException ex)
        {
            // The edge's socket refused it (ICMP port unreachable): counted as not sent.
        }
        failed++;
        return false;
    }

    private int frame(final int v, final int offset, final io.odyssey.mavlink.message.MessageFlyweight message,
        final long dueEpochNanos)
    {
        return streams.write(buffer, offset, v, systemId(v), AUTOPILOT_COMPONENT, message, keys[v], 0, dueEpochNanos);
    }

    /** Whether {@code droneId} is one of these vehicles. */
    boolean owns(final long droneId)
    {
        return droneId >= firstDroneId && droneId < firstDroneId + vehicles;
    }

    /**
     * The scheduled send time (Unix epoch ns) of the position of {@code droneId} that reached the client with
     * {@code longitude}; 0 when none is known.
     */
    long sentAt(final long droneId, final double longitude)
    {
        return sentAt.get((int)(droneId - firstDroneId) * RING + slot(longitude));
    }

    /** n mod {@link #RING} of the position with this longitude. */
    static int slot(final double longitude)
    {
        return (int)Math.floorMod(Math.round(longitude * 1e7) - LONGITUDE_E7, (long)RING);
    }

    /** n mod {@link #RING} of a vehicle's last position sent, for {@code positions}' count. */
    static int slotOf(final long positionsSent)
    {
        return (int)(positionsSent % RING);
    }

    long firstDroneId()
    {
        return firstDroneId;
    }

    int vehicles()
    {
        return vehicles;
    }

    /** Datagrams sent in the last run. */
    long sent()
    {
        return sent;
    }

    /** Datagrams the socket did not take in the last run. */
    long failed()
    {
        return failed;
    }

    public void close() throws IOException
    {
        for (final DatagramChannel edge : edges)
        {
            edge.close();
        }
    }
}
