package io.odyssey.mavlink.edge;

import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameSignature;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.mavlink.MavlinkFrameReader;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.mavlink.SignedStreams;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sign.FrameVerifier;
import io.odyssey.codecs.sign.NoDroneKeyException;
import io.odyssey.mavlink.MavlinkCommands;
import io.odyssey.mavlink.MavlinkFrameWriter;
import io.odyssey.mavlink.message.BatteryStatus;
import io.odyssey.mavlink.message.CommandAck;
import io.odyssey.mavlink.message.CommandInt;
import io.odyssey.mavlink.message.CommandLong;
import io.odyssey.mavlink.message.MessageFlyweight;
import io.odyssey.mavlink.message.MissionAck;
import io.odyssey.mavlink.message.MissionCount;
import io.odyssey.mavlink.message.MissionCurrent;
import io.odyssey.mavlink.message.MissionItemInt;
import io.odyssey.mavlink.message.MissionItemReached;
import io.odyssey.mavlink.message.MissionRequest;
import io.odyssey.mavlink.message.MissionRequestInt;
import io.odyssey.mavlink.message.ExtendedSysState;
import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.GpsRawInt;
import io.odyssey.mavlink.message.Heartbeat;
import io.odyssey.mavlink.message.SysStatus;
import io.odyssey.mavlink.message.VfrHud;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * The edge's one thread: reads the vehicles' datagrams, checks every frame (shape, checksum, registered vehicle,
 * signature and its replay window) before it looks at its content, keeps each vehicle's latest state, and turns each
 * GLOBAL_POSITION_INT into an Odyssey telemetry frame, signed with the vehicle's drone key, for the ingest nodes; each
 * HEARTBEAT into an Odyssey heartbeat. Allocation-free per frame (state in arrays by system id).
 * <p>
 * Only the autopilot (component 1) speaks for the vehicle's flight state; other components' frames are verified and
 * counted, not used.
 */
final class VehicleLinkAgent implements Agent, VehicleOrders.VehicleLink, VehicleOrders.StatusSink
{
    /** The link id the edge signs Odyssey frames with (ingest keeps a replay window per drone and link). */
    static final int LINK_ID = 2;
    static final int AUTOPILOT_COMPONENT = 1;
    /** Datagrams read per duty cycle, so the lost-vehicle check and the idle strategy get their turn. */
    static final int DATAGRAMS_PER_CYCLE = 64;
    /**
     * Live signing streams (component, link) the edge keeps a window for per vehicle: far above what an autopilot, its
     * camera, gimbal and companion computer on a few links use, and a bound per vehicle so that one vehicle with a key
     * cannot take the windows of all the others.
     */
    static final int STREAMS_PER_VEHICLE = 16;
    /** Signing streams the edge keeps a window for in all. */
    static final int MAX_STREAMS = (VehicleRegistry.MAX_SYSTEM_ID + 1) * STREAMS_PER_VEHICLE;
    private static final long NO_STREAM = -1;
    /**
     * Positions a vehicle may send ahead of one a millisecond (a burst after a link outage): a tenth of what ingest
     * allows a drone's sequence ahead of its signing clock, so the edge never sends a sequence ingest refuses.
     */
    static final long MAX_SEQUENCE_AHEAD = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(VehicleLinkAgent.class);
    private static final int SLOTS = VehicleRegistry.MAX_SYSTEM_ID + 1;
    private static final long LOST_CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Odyssey heartbeats sent per vehicle at most once in this (MAVLink's HEARTBEAT is 1 Hz). */
    static final long HEARTBEAT_FORWARD_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int GPS_FIX_3D = 3;
    private static final int UNKNOWN_BATTERY = -1;
    /** What ingest takes (degE7, as GLOBAL_POSITION_INT carries them). */
    private static final int MAX_LATITUDE_E7 = 900_000_000;
    private static final int MAX_LONGITUDE_E7 = 1_800_000_000;

    private final DatagramChannel channel;
    private final VehicleRegistry registry;
    private final DroneKeyRing keys;
    private final IngestOutlet outlet;
    private final EpochNanoClock clock;
    private final NanoClock nanoClock;
    private final MavlinkEdgeMetrics metrics;
    private final long signingWindow;
    private final long heartbeatTimeoutNs;

    private final ByteBuffer datagram = ByteBuffer.allocateDirect(64 * 1024);
    private final UnsafeBuffer datagramBuffer = new UnsafeBuffer(datagram);
    private final MavlinkFrameReader reader = new MavlinkFrameReader();
    private final MavlinkSigner signer = new MavlinkSigner();
    private final Heartbeat heartbeat = new Heartbeat();
    private final GlobalPositionInt position = new GlobalPositionInt();
    private final SysStatus sysStatus = new SysStatus();
    private final BatteryStatus batteryStatus = new BatteryStatus();
    private final ExtendedSysState extendedSysState = new ExtendedSysState();
    private final VfrHud vfrHud = new VfrHud();
    private final GpsRawInt gps = new GpsRawInt();
    private final TelemetryFrameWriter writer;
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    /** Per vehicle, {@link #STREAMS_PER_VEHICLE} slots from {@code systemId * STREAMS_PER_VEHICLE}. */
    private final int[] streamIds = new int[MAX_STREAMS];
    /** The stream's last timestamp of any key. */
    private final long[] streamLastTimestamp = new long[MAX_STREAMS];
    /** The stream's last timestamp signed with the drone's current key. */
    private final long[] streamLastByCurrentKey = new long[MAX_STREAMS];

    // Per vehicle, by system id.
    private final DroneKeys.Entry[] keyEntry = new DroneKeys.Entry[SLOTS];
    private final byte[][] currentKey = new byte[SLOTS][];
    private final byte[][] previousKey = new byte[SLOTS][];
    private final long[] lastHeartbeatNs = new long[SLOTS];
    private final long[] heartbeatForwardedNs = new long[SLOTS];
    private final boolean[] live = new boolean[SLOTS];
    private final int[] autopilot = new int[SLOTS];
    private final int[] baseMode = new int[SLOTS];
    private final long[] customMode = new long[SLOTS];
    private final int[] systemStatus = new int[SLOTS];
    private final int[] landedState = new int[SLOTS];
    private final int[] battery = new int[SLOTS];
    private final int[] gpsFix = new int[SLOTS];
    private final float[] vfrHeading = new float[SLOTS];
    private final long[] sequence = new long[SLOTS];
    private RefusalLog refusalLog = new RefusalLog(LOG::warn);
    private long nextLostCheckNs;

    // Orders: from ingest's command frames to the vehicles, and their answers back.
    /** The link id the edge signs MAVLink to the vehicles with. */
    static final int MAVLINK_OUT_LINK_ID = 1;
    private static final long ORDER_TICK_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int COMMAND_FRAGMENT_LIMIT = 16;
    private final VehicleOrders orders;
    private final CommandAck commandAck = new CommandAck();
    private final MissionRequestInt missionRequestInt = new MissionRequestInt();
    private final MissionRequest missionRequest = new MissionRequest();
    private final MissionAck missionAck = new MissionAck();
    private final MissionCurrent missionCurrent = new MissionCurrent();
    private final MissionItemReached missionItemReached = new MissionItemReached();
    private final CommandLong commandLong = new CommandLong();
    private final CommandInt commandInt = new CommandInt();
    private final MissionCount missionCount = new MissionCount();
    private final MissionItemInt missionItem = new MissionItemInt();
    private final MavlinkFrameWriter mavlinkWriter = new MavlinkFrameWriter();
    private final ByteBuffer outgoing = ByteBuffer.allocateDirect(MavlinkFrameWriter.MAX_FRAME_LENGTH);
    private final UnsafeBuffer outgoingBuffer = new UnsafeBuffer(outgoing);
    /** Where each vehicle's autopilot was last heard from (verified frames only): where its orders go. */
    private final SocketAddress[] vehicleAddress = new SocketAddress[SLOTS];
    /** The edge's own signing stream to each vehicle (slot = system id). */
    private final SignedStreams outStreams = new SignedStreams(mavlinkWriter, signer, SLOTS);
    private SocketAddress source;
    private Subscription commands;
    private FragmentAssembler commandAssembler;
    private int commandAddress;
    private int commandPort;
    private long nextOrderTickNs;

    VehicleLinkAgent(final DatagramChannel channel, final VehicleRegistry registry, final DroneKeyRing keys,
        final IngestOutlet outlet, final EpochNanoClock clock, final NanoClock nanoClock,
        final MavlinkEdgeMetrics metrics, final long signingWindowS, final long heartbeatTimeoutMs)
    {
        this(channel, registry, keys, outlet, clock, nanoClock, metrics, signingWindowS, heartbeatTimeoutMs,
            Long.parseLong(MavlinkEdgeConfig.COMMAND_ACK_TIMEOUT_MS.defaultValue()),
            Integer.parseInt(MavlinkEdgeConfig.COMMAND_ATTEMPTS.defaultValue()));
    }

    VehicleLinkAgent(final DatagramChannel channel, final VehicleRegistry registry, final DroneKeyRing keys,
        final IngestOutlet outlet, final EpochNanoClock clock, final NanoClock nanoClock,
        final MavlinkEdgeMetrics metrics, final long signingWindowS, final long heartbeatTimeoutMs,
        final long commandAckTimeoutMs, final int commandAttempts)
    {
        this.orders = new VehicleOrders(registry, this, this, commandAckTimeoutMs, commandAttempts, metrics,
            VehicleOrders.ownCommandBase(clock.nanoTime()));
        this.channel = channel;
        this.registry = registry;
        this.keys = keys;
        this.outlet = outlet;
        this.clock = clock;
        this.nanoClock = nanoClock;
        this.metrics = metrics;
        this.signingWindow = TimeUnit.SECONDS.toMicros(signingWindowS) / 10;
        this.heartbeatTimeoutNs = TimeUnit.MILLISECONDS.toNanos(heartbeatTimeoutMs);
        this.writer = new TelemetryFrameWriter().signWith(new FrameSigner(keys, clock, LINK_ID));
        java.util.Arrays.fill(battery, UNKNOWN_BATTERY);
        java.util.Arrays.fill(vfrHeading, Float.NaN);
        java.util.Arrays.fill(streamLastTimestamp, NO_STREAM);
    }

    /**
     * Takes orders from {@code subscription} (verified by {@code verifier}) and has every vehicle's heartbeat advertise
     * {@code address}:{@code port} as its command endpoint.
     */
    VehicleLinkAgent takeOrders(final Subscription subscription, final FrameVerifier verifier, final int address,
        final int port)
    {
        this.commands = subscription;
        this.commandAssembler = new FragmentAssembler(new OrderIntake(registry, verifier, orders, nanoClock, clock, metrics));
        this.commandAddress = address;
        this.commandPort = port;
        return this;
    }

    VehicleOrders orders()
    {
        return orders;
    }

    /** Where the lines about refused frames of a vehicle go (the log unless a test says otherwise). */
    VehicleLinkAgent logRefusalsTo(final RefusalLog.Sink sink)
    {
        this.refusalLog = new RefusalLog(sink);
        return this;
    }

    /** A refused frame of a vehicle whose system id the frame gave: counted, and named in the log now and then. */
    private void refused(final int systemId, final long droneId, final Refusal refusal)
    {
        metrics.refused(refusal);
        refusalLog.refused(systemId, droneId, refusal, source, nanoClock.nanoTime());
    }

    public String roleName()
    {
        return "mavlink-vehicle-link";
    }

    public int doWork() throws IOException
    {
        int work = 0;
        for (int i = 0; i < DATAGRAMS_PER_CYCLE; i++)
        {
            datagram.clear();
            final SocketAddress from = channel.receive(datagram);
            if (from == null)
            {
                break;
            }
            source = from;
            metrics.datagrams.increment();
            onDatagram(datagram.position());
            work++;
        }
        final long now = nanoClock.nanoTime();
        if (now >= nextLostCheckNs)
        {
            nextLostCheckNs = now + LOST_CHECK_INTERVAL_NS;
            work += checkLost(now);
        }
        if (commands != null)
        {
            work += commands.poll(commandAssembler, COMMAND_FRAGMENT_LIMIT);
        }
        if (now >= nextOrderTickNs)
        {
            nextOrderTickNs = now + ORDER_TICK_NS;
            work += orders.tick(now);
        }
        return work;
    }

    /** Every frame in one datagram (PX4 packs several); garbage between frames is skipped to the next frame start. */
    void onDatagram(final int limit)
    {
        int at = 0;
        while (at < limit)
        {
            final int result = reader.read(datagramBuffer, at, limit);
            switch (result)
            {
                case MavlinkFrameReader.OK ->
                {
                    final Refusal refusal = onFrame();
                    if (refusal == Refusal.BAD_SIGNATURE || refusal == Refusal.REPLAYED)
                    {
                        // Each packed forgery or copy of a captured frame would cost a SHA-256: one is enough.
                        if (at + reader.frameLength() < limit)
                        {
                            metrics.refused(Refusal.AFTER_FORGERY);
                        }
                        return;
                    }
                }
                case MavlinkFrameReader.NOT_A_FRAME ->
                {
                    metrics.refused(Refusal.NOT_A_FRAME);
                    at = nextFrameStart(at + 1, limit);
                    continue;
                }
                case MavlinkFrameReader.TRUNCATED ->
                {
                    metrics.refused(Refusal.TRUNCATED);
                    return;
                }
                case MavlinkFrameReader.MAVLINK1 -> metrics.refused(Refusal.MAVLINK1);
                case MavlinkFrameReader.UNSUPPORTED_FLAGS -> metrics.refused(Refusal.UNSUPPORTED_FLAGS);
                case MavlinkFrameReader.UNKNOWN_MESSAGE -> metrics.refused(Refusal.UNKNOWN_MESSAGE);
                default -> metrics.refused(Refusal.BAD_CHECKSUM);
            }
            at += reader.frameLength();
        }
    }

    private int nextFrameStart(final int from, final int limit)
    {
        for (int i = from; i < limit; i++)
        {
            final int b = datagramBuffer.getByte(i) & 0xFF;
            if (b == MavlinkFrameReader.MAGIC_V2 || b == MavlinkFrameReader.MAGIC_V1)
            {
                return i;
            }
        }
        return limit;
    }

    /** @return why the frame was refused, null when it was taken. */
    private Refusal onFrame()
    {
        final int systemId = reader.systemId();
        final long droneId = systemId == 0 ? 0 : registry.droneId(systemId);
        if (droneId == 0)
        {
            refused(systemId, 0, Refusal.UNKNOWN_VEHICLE);
            return Refusal.UNKNOWN_VEHICLE;
        }
        final Refusal refusal = reader.isSigned() ? checkSignature(systemId, droneId) :
            !registry.allowsUnsigned(systemId) ? Refusal.UNSIGNED :
            // What the edge sends for the vehicle is signed with its drone's key, which ingest requires.
            keys.keys().entry(droneId) == null ? Refusal.NO_KEY : null;
        if (refusal != null)
        {
            refused(systemId, droneId, refusal);
            return refusal;
        }
        metrics.framesAccepted.increment();
        if (reader.componentId() != AUTOPILOT_COMPONENT)
        {
            metrics.otherComponents.increment();
            return null;
        }
        if (source != null)
        {
            vehicleAddress[systemId] = source;
        }
        switch (reader.messageId())
        {
            case Heartbeat.ID -> onHeartbeat(systemId, droneId);
            case GlobalPositionInt.ID -> onPosition(systemId, droneId);
            case SysStatus.ID ->
            {
                final int remaining = reader.payload(sysStatus).batteryRemaining();
                if (remaining >= 0 && remaining <= 100)
                {
                    battery[systemId] = remaining;
                }
            }
            case BatteryStatus.ID ->
            {
                final int remaining = reader.payload(batteryStatus).batteryRemaining();
                if (remaining >= 0 && remaining <= 100 && batteryStatus.batteryId() == 0)
                {
                    battery[systemId] = remaining;
                }
            }
            case ExtendedSysState.ID -> landedState[systemId] = reader.payload(extendedSysState).landedState();
            case VfrHud.ID ->
            {
                final int heading = reader.payload(vfrHud).heading();
                vfrHeading[systemId] = heading >= 0 && heading < 360 ? heading : Float.NaN;
            }
            case GpsRawInt.ID -> gpsFix[systemId] = reader.payload(gps).fixType();
            case CommandAck.ID ->
            {
                reader.payload(commandAck);
                orders.onCommandAck(systemId, commandAck.command(), commandAck.result(), commandAck.progress(),
                    nanoClock.nanoTime());
            }
            case MissionRequestInt.ID -> orders.onMissionRequest(systemId, reader.payload(missionRequestInt).seq(),
                nanoClock.nanoTime());
            case MissionRequest.ID -> orders.onMissionRequest(systemId, reader.payload(missionRequest).seq(),
                nanoClock.nanoTime());
            case MissionAck.ID ->
            {
                reader.payload(missionAck);
                orders.onMissionAck(systemId, missionAck.type(), missionAck.missionType(), nanoClock.nanoTime());
            }
            case MissionCurrent.ID -> orders.onMissionCurrent(systemId, reader.payload(missionCurrent).seq());
            case MissionItemReached.ID -> orders.onMissionItemReached(systemId, reader.payload(missionItemReached).seq());
            default ->
            {
                // Known and verified, but neither flight state nor an answer to an order.
            }
        }
        return null;
    }

    private Refusal checkSignature(final int systemId, final long droneId)
    {
        final DroneKeys.Entry entry = keys.keys().entry(droneId);
        if (entry == null)
        {
            return Refusal.NO_KEY;
        }
        cacheKeys(systemId, entry);
        final boolean previousValid = previousKey[systemId] != null && clock.nanoTime() < entry.previousUntilNanos();
        final boolean byCurrentKey = signer.verify(reader, currentKey[systemId]);
        if (!byCurrentKey && !(previousValid && signer.verify(reader, previousKey[systemId])))
        {
            return Refusal.BAD_SIGNATURE;
        }
        final long timestamp = reader.timestamp();
        final long now = MavlinkSigner.timestampOfUnixMicros(clock.nanoTime() / 1_000);
        if (timestamp > now + signingWindow)
        {
            return Refusal.TIMESTAMP_OUT_OF_WINDOW;
        }
        final int stream = reader.componentId() << 8 | reader.linkId();
        final long oldest = now - signingWindow;
        final int first = systemId * STREAMS_PER_VEHICLE;
        int slot = -1;
        int free = -1;
        for (int i = first; i < first + STREAMS_PER_VEHICLE; i++)
        {
            final long slotLast = streamLastTimestamp[i];
            if (slotLast != NO_STREAM && streamIds[i] == stream)
            {
                slot = i;
                break;
            }
            // A stream whose last timestamp left the window can be forgotten: any frame of it that came again would
            // be older than the window, refused as a new stream's would be.
            if (free < 0 && (slotLast == NO_STREAM || slotLast < oldest))
            {
                free = i;
            }
        }
        // A current-key frame need only be later than the current key's last of the stream: whoever holds a
        // rotated-out key (why it was rotated) could otherwise sign far ahead in its grace and lock the vehicle out of
        // its stream. An old-key frame must be later than every frame of the stream, so it replays nothing of either.
        final long last = slot < 0 ? NO_STREAM : byCurrentKey ? streamLastByCurrentKey[slot] : streamLastTimestamp[slot];
        if (last == NO_STREAM)
        {
            if (timestamp < oldest)
            {
                return Refusal.TIMESTAMP_OUT_OF_WINDOW;
            }
        }
        else if (timestamp <= last)
        {
            return Refusal.REPLAYED;
        }
        if (slot < 0)
        {
            if (free < 0)
            {
                return Refusal.TOO_MANY_STREAMS;
            }
            slot = free;
            streamIds[slot] = stream;
            streamLastTimestamp[slot] = NO_STREAM;
            streamLastByCurrentKey[slot] = NO_STREAM;
        }
        streamLastTimestamp[slot] = Math.max(timestamp, streamLastTimestamp[slot]);
        if (byCurrentKey)
        {
            streamLastByCurrentKey[slot] = timestamp;
        }
        return null;
    }

    private void cacheKeys(final int systemId, final DroneKeys.Entry entry)
    {
        if (entry != keyEntry[systemId])
        {
            // A key change (rotation, revocation, first frame): the key bytes are derived again, off the per-frame path.
            keyEntry[systemId] = entry;
            currentKey[systemId] = entry.current().keyBytes();
            previousKey[systemId] = entry.previous() == null ? null : entry.previous().keyBytes();
        }
    }

    private void onHeartbeat(final int systemId, final long droneId)
    {
        reader.payload(heartbeat);
        autopilot[systemId] = heartbeat.autopilot();
        baseMode[systemId] = heartbeat.baseMode();
        customMode[systemId] = heartbeat.customMode();
        systemStatus[systemId] = heartbeat.systemStatus();
        final long nowNs = nanoClock.nanoTime();
        lastHeartbeatNs[systemId] = nowNs;
        orders.onHeartbeat(systemId, heartbeat.autopilot(), heartbeat.baseMode(), heartbeat.customMode(), nowNs);
        if (!live[systemId])
        {
            live[systemId] = true;
            LOG.info("vehicle {} (drone {}) is here: autopilot {}, type {}", systemId, droneId, heartbeat.autopilot(),
                heartbeat.type());
        }
        else if (nowNs - heartbeatForwardedNs[systemId] < HEARTBEAT_FORWARD_INTERVAL_NS)
        {
            // The state is taken, the Odyssey heartbeat waits: a vehicle packing thousands of HEARTBEATs into its
            // datagrams would otherwise fill the ingest publication all vehicles share.
            metrics.heartbeatsCoalesced.increment();
            return;
        }
        heartbeatForwardedNs[systemId] = nowNs;
        final int length;
        try
        {
            length = writer.heartbeat(frame, 0, droneId, clock.nanoTime(), sequence[systemId], commandAddress,
                commandPort);
        }
        catch (final NoDroneKeyException ex)
        {
            // The drone's key was revoked between the frame's check and this signing (a reload in between): no frame.
            metrics.refused(Refusal.NO_KEY);
            return;
        }
        if (outlet.offer(droneId, frame, 0, length))
        {
            metrics.heartbeatsSent.increment();
        }
        else
        {
            metrics.offersFailed.increment();
        }
    }

    private void onPosition(final int systemId, final long droneId)
    {
        if (!live[systemId] || battery[systemId] == UNKNOWN_BATTERY)
        {
            metrics.positionsWithoutState.increment();
            return;
        }
        reader.payload(position);
        final int lat = position.lat();
        final int lon = position.lon();
        final float altitude = position.relativeAlt() / 1000f;
        if (lat < -MAX_LATITUDE_E7 || lat > MAX_LATITUDE_E7 || lon < -MAX_LONGITUDE_E7 || lon > MAX_LONGITUDE_E7 ||
            !(altitude >= TelemetryFrameReader.MIN_ALTITUDE_M && altitude <= TelemetryFrameReader.MAX_ALTITUDE_M))
        {
            refused(systemId, droneId, Refusal.POSITION_OUT_OF_RANGE);
            return;
        }
        final float vx = position.vx() / 100f;
        final float vy = position.vy() / 100f;
        final float groundSpeed = (float)Math.sqrt(vx * vx + vy * vy);
        if (groundSpeed > TelemetryFrameReader.MAX_SPEED_MPS)
        {
            refused(systemId, droneId, Refusal.SPEED_OUT_OF_RANGE);
            return;
        }
        final int hdg = position.hdg();
        float heading = hdg != 0xFFFF && hdg < 36_000 ? hdg / 100f : vfrHeading[systemId];
        if (Float.isNaN(heading))
        {
            // No heading from either message: the direction of travel, else north.
            heading = groundSpeed > 0 ? (float)((Math.toDegrees(Math.atan2(vy, vx)) + 360) % 360) : 0f;
            heading = heading >= 360f ? 0f : heading;
        }
        final DroneStatus status = FlightStatus.of(autopilot[systemId], baseMode[systemId], customMode[systemId],
            systemStatus[systemId], landedState[systemId], groundSpeed);
        orders.onPosition(systemId, position.timeBootMs(), lat / 1e7, lon / 1e7, altitude, position.alt() / 1000f,
            groundSpeed, status == DroneStatus.GROUNDED);
        int flags = 0;
        if (gpsFix[systemId] != 0 && gpsFix[systemId] < GPS_FIX_3D)
        {
            flags |= DroneFlag.GPS_DEGRADED;
        }
        if (status != DroneStatus.GROUNDED &&
            FlightStatus.mode(autopilot[systemId], customMode[systemId]) == FlightStatus.Mode.MANUAL)
        {
            // The status says how it flies (hovering, cruising); this says who flies it.
            flags |= DroneFlag.MANUAL_CONTROL;
        }
        final long now = clock.nanoTime();
        // Bounded by the signing clock, one per millisecond, as ingest requires: a restarted edge carries on above.
        final long clockMillis = FrameSignature.timestampOf(now) / 100;
        if (sequence[systemId] - clockMillis > MAX_SEQUENCE_AHEAD)
        {
            // A sequence is kept only while within MAX_SEQUENCE_AHEAD of the clock, so only a clock that went back (a
            // steady signing clock follows a step back larger than it rides out) leaves one further ahead: carry on
            // from the clock, as a restarted edge would, which ingest takes as the drone's restart.
            sequence[systemId] = clockMillis - 1;
        }
        final long next = Math.max(sequence[systemId] + 1, clockMillis);
        if (next > clockMillis + MAX_SEQUENCE_AHEAD)
        {
            // Faster than one a millisecond for long: ingest would refuse the sequence as a jump no clock explains.
            refused(systemId, droneId, Refusal.TOO_FREQUENT);
            return;
        }
        sequence[systemId] = next;
        final int length;
        try
        {
            length = writer.telemetry(frame, 0, droneId, next, now, lat / 1e7, lon / 1e7, altitude, heading,
                groundSpeed, battery[systemId], status, (byte)flags, -position.vz() / 100f);
        }
        catch (final NoDroneKeyException ex)
        {
            // The drone's key was revoked between the frame's check and this signing (a reload in between): no frame.
            metrics.refused(Refusal.NO_KEY);
            return;
        }
        if (outlet.offer(droneId, frame, 0, length))
        {
            metrics.telemetrySent.increment();
        }
        else
        {
            metrics.offersFailed.increment();
        }
    }

    private int checkLost(final long now)
    {
        int lost = 0;
        for (int systemId = 1; systemId < SLOTS; systemId++)
        {
            if (live[systemId] && now - lastHeartbeatNs[systemId] > heartbeatTimeoutNs)
            {
                live[systemId] = false;
                lost++;
                metrics.vehiclesLost.increment();
                orders.onLost(systemId);
                LOG.warn("vehicle {} (drone {}) is lost: no HEARTBEAT for {} ms", systemId, registry.droneId(systemId),
                    TimeUnit.NANOSECONDS.toMillis(now - lastHeartbeatNs[systemId]));
            }
        }
        return lost;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // To the vehicles (VehicleOrders.VehicleLink) and to ingest (VehicleOrders.StatusSink)

    public void commandLong(final int systemId, final int command, final int confirmation, final float p1,
        final float p2, final float p3, final float p4, final float p5, final float p6, final float p7)
    {
        mavlinkWriter.begin(commandLong).targetSystem(systemId).targetComponent(MavlinkCommands.AUTOPILOT_COMPONENT)
            .command(command).confirmation(confirmation).param1(p1).param2(p2).param3(p3).param4(p4).param5(p5)
            .param6(p6).param7(p7);
        toVehicle(systemId, commandLong);
    }

    public void commandInt(final int systemId, final int command, final int frame, final float p1, final float p2,
        final float p3, final float p4, final int x, final int y, final float z)
    {
        mavlinkWriter.begin(commandInt).targetSystem(systemId).targetComponent(MavlinkCommands.AUTOPILOT_COMPONENT)
            .command(command).frame(frame).param1(p1).param2(p2).param3(p3).param4(p4).x(x).y(y).z(z);
        toVehicle(systemId, commandInt);
    }

    public void missionCount(final int systemId, final int count)
    {
        mavlinkWriter.begin(missionCount).targetSystem(systemId).targetComponent(MavlinkCommands.AUTOPILOT_COMPONENT)
            .count(count).missionType(MavlinkCommands.MISSION_TYPE_MISSION);
        toVehicle(systemId, missionCount);
    }

    public void missionItem(final int systemId, final int seq, final int command, final int frame, final float p1,
        final float p2, final float p3, final float p4, final int x, final int y, final float z)
    {
        mavlinkWriter.begin(missionItem).targetSystem(systemId).targetComponent(MavlinkCommands.AUTOPILOT_COMPONENT)
            .seq(seq).command(command).frame(frame).param1(p1).param2(p2).param3(p3).param4(p4).x(x).y(y).z(z)
            .autocontinue(1).missionType(MavlinkCommands.MISSION_TYPE_MISSION);
        toVehicle(systemId, missionItem);
    }

    /** Signs the message begun last with the vehicle's drone key (as the vehicle signs) and sends it to the vehicle. */
    private void toVehicle(final int systemId, final MessageFlyweight message)
    {
        final SocketAddress address = vehicleAddress[systemId];
        final DroneKeys.Entry entry = keys.keys().entry(registry.droneId(systemId));
        if (address == null || entry == null)
        {
            metrics.vehicleSendsFailed.increment();
            return;
        }
        cacheKeys(systemId, entry);
        final int length = outStreams.write(outgoingBuffer, 0, systemId, MavlinkCommands.GCS_SYSTEM_ID,
            MavlinkCommands.GCS_COMPONENT_ID, message, currentKey[systemId], MAVLINK_OUT_LINK_ID, clock.nanoTime());
        outgoing.limit(length).position(0);
        try
        {
            if (channel.send(outgoing, address) > 0)
            {
                return;
            }
        }
        catch (final IOException ex)
        {
            // Unreachable for now (ICMP): the retry, or the next order, tries again.
        }
        metrics.vehicleSendsFailed.increment();
    }

    public void status(final long droneId, final long commandId, final CommandPhase phase, final CommandReason reason,
        final float progress, final int waypointIndex, final CommandType type, final double latitude,
        final double longitude, final float altitude)
    {
        final int length;
        try
        {
            length = writer.commandStatus(frame, 0, droneId, commandId, clock.nanoTime(), phase, reason, progress,
                waypointIndex, type, latitude, longitude, altitude);
        }
        catch (final NoDroneKeyException ex)
        {
            // The drone's key was revoked meanwhile: nothing can be signed for it.
            metrics.refused(Refusal.NO_KEY);
            return;
        }
        if (outlet.offer(droneId, frame, 0, length))
        {
            metrics.statusesSent.increment();
        }
        else
        {
            // The ground asks again for an answer it did not get (and resends an order it heard nothing of).
            metrics.offersFailed.increment();
        }
    }

    /** Vehicles heard within the heartbeat timeout. */
    int liveVehicles()
    {
        int count = 0;
        for (final boolean isLive : live)
        {
            count += isLive ? 1 : 0;
        }
        return count;
    }
}
