package io.odyssey.simulator;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandFrameWriter;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.mavlink.MavlinkCommands;
import io.odyssey.mavlink.MavlinkFrameReader;
import io.odyssey.mavlink.MavlinkFrameWriter;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.mavlink.SignedStreams;
import io.odyssey.mavlink.message.CommandAck;
import io.odyssey.mavlink.message.CommandInt;
import io.odyssey.mavlink.message.CommandLong;
import io.odyssey.mavlink.message.ExtendedSysState;
import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.Heartbeat;
import io.odyssey.mavlink.message.MessageFlyweight;
import io.odyssey.mavlink.message.MissionAck;
import io.odyssey.mavlink.message.MissionCount;
import io.odyssey.mavlink.message.MissionCurrent;
import io.odyssey.mavlink.message.MissionItemInt;
import io.odyssey.mavlink.message.MissionItemReached;
import io.odyssey.mavlink.message.MissionRequestInt;
import io.odyssey.mavlink.message.SysStatus;
import io.odyssey.runtime.Counter;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The simulator's MAVLink mode: some of its drones speak MAVLink 2 to a MAVLink edge, as a PX4 multicopter would,
 * instead of SBE to ingest. They fly the same kinematics; each telemetry step is one datagram holding
 * EXTENDED_SYS_STATE and GLOBAL_POSITION_INT (and once a second HEARTBEAT and SYS_STATUS), every frame signed with the
 * drone's key. System ids are 1..n in the order of the MAVLink drones' ids (the launcher writes the edge's registry).
 * On the publisher's thread; allocation-free per step.
 * <p>
 * <b>Orders.</b> They obey a ground station as a PX4 multicopter does ({@link #poll}): COMMAND_LONG / COMMAND_INT
 * signed with the drone's key (anything else is refused and counted), answered with COMMAND_ACK (DENIED for a take-off
 * while airborne, unarmed or with too little battery, for a position order on the ground; TEMPORARILY_REJECTED for a
 * mission start during an upload; UNSUPPORTED for a command it does not know), a retry of a command already acted on
 * (same command, confirmation above 0) answered again and not executed twice; the mission protocol (MISSION_COUNT,
 * MISSION_REQUEST_INT for each item, MISSION_ACK; MISSION_START), MISSION_CURRENT and MISSION_ITEM_REACHED while it
 * flies one. An order is flown by the simulator's kinematics ({@link DroneFleet#onCommand}); the drone's own
 * answers to it stay on board (a MAVLink vehicle speaks only MAVLink).
 * <p>
 * <b>Modes of its own.</b> A drone named in {@link SimulatorConfig#MAVLINK_MODE_SWITCHES} switches flight mode by itself
 * once, a set time after it accepted its first order to move ({@link MavlinkModeSwitch}): to POSCTL, a pilot taking the
 * RC (its order dropped, it holds where it is and reports PX4's position mode until an order from the ground switches
 * it back to AUTO), or to RTL, a failsafe (it flies home and lands, reporting AUTO.RTL as any return does).
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
    /** A retry (confirmation above 0) of the command acted on last within this is a repeat, not a new command. */
    static final long REPEAT_WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    /** PX4 disarms a vehicle armed on the ground that does not take off within this (COM_DISARM_PRFLT). */
    static final long DISARM_PREFLIGHT_NS = TimeUnit.SECONDS.toNanos(10);
    /** Items a vehicle's mission store holds: a waypoint and a speed change before each (PX4 holds far more). */
    static final int MAX_ITEMS = 2 * CommandLimits.MAX_WAYPOINTS + 1;
    static final int MISSION_NO_SPACE = 4;
    static final int MISSION_INVALID_SEQUENCE = 13;
    private static final int DATAGRAMS_PER_POLL = 16;
    /** PX4's main mode POSCTL (position control: a pilot flies with the sticks, the vehicle holds when they are centred). */
    static final long PX4_POSCTL = 3L << 16;
    private static final byte NO_SWITCH = 0;
    private static final byte SWITCH_POSCTL = 1;
    private static final byte SWITCH_RTL = 2;
    private static final byte SWITCH_PENDING = 0;
    private static final byte SWITCH_ARMED = 1;
    private static final byte SWITCH_MADE = 2;
    private static final Logger LOG = LoggerFactory.getLogger(MavlinkDroneLink.class);

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
    private final ByteBuffer datagram = ByteBuffer.allocateDirect(6 * MavlinkFrameWriter.MAX_FRAME_LENGTH);
    private final UnsafeBuffer buffer = new UnsafeBuffer(datagram);
    private final SignedStreams streams;
    private final long[] stateDueNs;
    private final DroneKeys.Entry[] keyEntry;
    private final byte[][] key;

    // Orders in: per MAVLink drone (slot = system id - 1).
    private final Counter executed;
    private final Counter repeated;
    private final Counter acksDropped;
    private final Counter busy;
    private final Counter refused;
    private final long bootNs;
    private int acksToDrop;
    private int commandsToRefuseBusy;
    /** When the drone was armed on the ground by a command; 0 = not armed that way. */
    private final long[] armedAtNs;
    private final int[] lastCommand;
    private final int[] lastResult;
    private final long[] lastCommandNs;
    private final int[] lastX;
    private final int[] lastY;
    /** The last signing timestamp of the ground station's frames to the drone: a frame not later is a replay. */
    private final long[] lastInTimestamp;
    private final MissionStore[] items;
    /** The mode switch of its own each drone makes ({@link #NO_SWITCH} for none), how long after its first order to move. */
    private final byte[] modeSwitch;
    private final long[] modeSwitchAfterNs;
    /** {@link #SWITCH_PENDING} until an order to move arms it, then {@link #SWITCH_ARMED} until due at {@link #modeSwitchDueNs}. */
    private final byte[] modeSwitchState;
    private final long[] modeSwitchDueNs;
    /** Whether a pilot flies the drone (it switched to POSCTL by itself and no order from the ground took it back). */
    private final boolean[] pilotFlying;
    /** The fleet's id of the last order to move the drone obeyed: what a pilot's take-over drops. */
    private final long[] movingOrderId;
    private final Counter modeSwitches;
    /** The fleet's id of the mission the drone flies from its store (0 = none), and the waypoints reported reached. */
    private final long[] missionCommandId;
    private final int[] missionReported;
    private long nextCommandId = 1;
    private final ByteBuffer incoming = ByteBuffer.allocateDirect(64 * 1024);
    private final UnsafeBuffer incomingBuffer = new UnsafeBuffer(incoming);
    private final MavlinkFrameReader reader = new MavlinkFrameReader();
    private final CommandLong commandLong = new CommandLong();
    private final CommandInt commandInt = new CommandInt();
    private final CommandAck commandAck = new CommandAck();
    private final MissionCount missionCount = new MissionCount();
    private final MissionItemInt missionItem = new MissionItemInt();
    private final MissionRequestInt missionRequest = new MissionRequestInt();
    private final MissionAck missionAck = new MissionAck();
    private final MissionCurrent missionCurrent = new MissionCurrent();
    private final MissionItemReached itemReached = new MissionItemReached();
    private final CommandFrameWriter order = new CommandFrameWriter();
    private final CommandFrameReader orderReader = new CommandFrameReader();
    private final UnsafeBuffer orderBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(8 * 1024));

    /**
     * @param count the last {@code count} drones of the fleet speak MAVLink (1..255: a system id each).
     * @param edge  host:port of the MAVLink edge.
     */
    MavlinkDroneLink(final DroneFleet fleet, final int count, final String edge, final DroneKeyRing keys,
        final EpochNanoClock clock, final SimulatorMetrics metrics, final int dropAcks, final int busyCommands,
        final List<MavlinkModeSwitch> switches) throws IOException
    {
        this.fleet = fleet;
        this.firstIndex = fleet.size() - count;
        this.keys = keys;
        this.clock = clock;
        this.framesSent = metrics.mavlinkSent;
        this.sendsFailed = metrics.mavlinkFailed;
        this.executed = metrics.mavlinkCommandsExecuted;
        this.repeated = metrics.mavlinkCommandsRepeated;
        this.acksDropped = metrics.mavlinkAcksDropped;
        this.refused = metrics.mavlinkFramesRefused;
        this.acksToDrop = dropAcks;
        this.busy = metrics.mavlinkCommandsBusy;
        this.commandsToRefuseBusy = busyCommands;
        this.bootNs = System.nanoTime();
        final int colon = edge.lastIndexOf(':');
        channel = DatagramChannel.open();
        channel.configureBlocking(false);
        channel.connect(new InetSocketAddress(edge.substring(0, colon), Integer.parseInt(edge.substring(colon + 1))));
        streams = new SignedStreams(writer, signer, count);
        stateDueNs = new long[count];
        keyEntry = new DroneKeys.Entry[count];
        key = new byte[count][];
        armedAtNs = new long[count];
        lastCommand = new int[count];
        lastResult = new int[count];
        lastCommandNs = new long[count];
        lastX = new int[count];
        lastY = new int[count];
        lastInTimestamp = new long[count];
        items = new MissionStore[count];
        missionCommandId = new long[count];
        missionReported = new int[count];
        modeSwitch = new byte[count];
        modeSwitchAfterNs = new long[count];
        modeSwitchState = new byte[count];
        modeSwitchDueNs = new long[count];
        pilotFlying = new boolean[count];
        movingOrderId = new long[count];
        modeSwitches = metrics.mavlinkModeSwitches;
        for (final MavlinkModeSwitch change : switches)
        {
            final int slot = (int)(change.droneId() - fleet.droneId(firstIndex));
            modeSwitch[slot] = change.mode() == MavlinkModeSwitch.Mode.POSCTL ? SWITCH_POSCTL : SWITCH_RTL;
            modeSwitchAfterNs[slot] = change.afterNs();
        }
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
        if (!loadKey(slot, droneId))
        {
            sendsFailed.increment();
            return;
        }
        if (modeSwitchState[slot] == SWITCH_ARMED && nowNs - modeSwitchDueNs[slot] >= 0)
        {
            switchModeByItself(index, slot);
        }
        final DroneStatus status = fleet.status(index);
        int length = 0;
        final boolean stateDue = nowNs >= stateDueNs[slot];
        if (stateDue)
        {
            stateDueNs[slot] = nowNs + STATE_INTERVAL_NS;
            writer.begin(heartbeat).type(QUADROTOR).autopilot(PX4).mavlinkVersion(3)
                .baseMode(status == DroneStatus.GROUNDED && !armedOnGround(slot, nowNs) ? DISARMED : ARMED)
                .customMode(pilotFlying[slot] && status != DroneStatus.GROUNDED ? PX4_POSCTL : customMode(status))
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
        writer.begin(position).timeBootMs(TimeUnit.NANOSECONDS.toMillis(nowNs - bootNs) & 0xFFFF_FFFFL)
            .lat((int)Math.round(fleet.latitude(index) * 1e7)).lon((int)Math.round(fleet.longitude(index) * 1e7))
            .relativeAlt((int)Math.round(fleet.altitude(index) * 1000))
            .alt((int)Math.round((fleet.altitude(index) + HOME_MSL_M) * 1000))
            .vx((int)Math.round(speedCms * Math.cos(heading))).vy((int)Math.round(speedCms * Math.sin(heading)))
            .vz((int)Math.round(-fleet.climbRate(index) * 100)).hdg(Math.round(fleet.headingDegrees(index) * 100) % 36_000);
        length += frame(slot, length, position);
        length += missionProgress(index, slot, length, stateDue);
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

    private int frame(final int slot, final int offset, final MessageFlyweight message)
    {
        return streams.write(buffer, offset, slot, slot + 1, COMPONENT, message, key[slot], 0, clock.nanoTime());
    }

    private boolean loadKey(final int slot, final long droneId)
    {
        final DroneKeys.Entry entry = keys.keys().entry(droneId);
        if (entry == null)
        {
            return false;
        }
        if (entry != keyEntry[slot])
        {
            keyEntry[slot] = entry;
            key[slot] = entry.current().keyBytes();
        }
        return true;
    }

    private boolean armedOnGround(final int slot, final long nowNs)
    {
        return armedAtNs[slot] != 0 && nowNs - armedAtNs[slot] < DISARM_PREFLIGHT_NS;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Orders in

    /** Reads what the ground station sent the MAVLink drones and obeys it. @return datagrams read. */
    int poll(final long nowNs)
    {
        int work = 0;
        for (int n = 0; n < DATAGRAMS_PER_POLL; n++)
        {
            incoming.clear();
            final int read;
            try
            {
                read = channel.read(incoming);
            }
            catch (final IOException ex)
            {
                // Nobody there yet (ICMP port unreachable): nothing to read.
                break;
            }
            if (read <= 0)
            {
                break;
            }
            work++;
            int at = 0;
            while (at < read)
            {
                if (reader.read(incomingBuffer, at, read) != MavlinkFrameReader.OK)
                {
                    refused.increment();
                    break;
                }
                onFrame(nowNs);
                at += reader.frameLength();
            }
        }
        return work;
    }

    private void onFrame(final long nowNs)
    {
        final int target;
        switch (reader.messageId())
        {
            case CommandLong.ID -> target = reader.payload(commandLong).targetSystem();
            case CommandInt.ID -> target = reader.payload(commandInt).targetSystem();
            case MissionCount.ID -> target = reader.payload(missionCount).targetSystem();
            case MissionItemInt.ID -> target = reader.payload(missionItem).targetSystem();
            default ->
            {
                refused.increment();
                return;
            }
        }
        final int slot = target - 1;
        final int index = firstIndex + slot;
        // Only a frame signed with the drone's own key, later than the last one, is obeyed.
        if (slot < 0 || index >= fleet.size() || !reader.isSigned() || !loadKey(slot, fleet.droneId(index)) ||
            !signer.verify(reader, key[slot]) || reader.timestamp() <= lastInTimestamp[slot])
        {
            refused.increment();
            return;
        }
        lastInTimestamp[slot] = reader.timestamp();
        switch (reader.messageId())
        {
            case CommandLong.ID -> onCommand(index, slot, commandLong.command(), commandLong.confirmation(), 0, 0,
                commandLong.param1(), commandLong.param2(), commandLong.param7(), nowNs);
            case CommandInt.ID -> onCommand(index, slot, commandInt.command(), -1, commandInt.x(), commandInt.y(),
                commandInt.param1(), commandInt.param2(), commandInt.z(), nowNs);
            case MissionCount.ID -> onMissionCount(slot, missionCount.count(), missionCount.missionType());
            default -> onMissionItem(slot);
        }
    }

    /**
     * @param confirmation COMMAND_LONG's (0 the first send, more for each retry); -1 for a COMMAND_INT, which has none:
     *                     a COMMAND_INT like the last (same command and position) within the window is its retry.
     */
    private void onCommand(final int index, final int slot, final int command, final int confirmation, final int x,
        final int y, final float p1, final float p2, final float p7, final long nowNs)
    {
        if (commandsToRefuseBusy > 0)
        {
            // The test hook: an autopilot busy with something else says "not now" and remembers nothing of it.
            commandsToRefuseBusy--;
            busy.increment();
            ack(slot, command, MavlinkCommands.RESULT_TEMPORARILY_REJECTED);
            return;
        }
        final boolean retry = confirmation > 0 || (confirmation < 0 && x == lastX[slot] && y == lastY[slot]);
        if (retry && command == lastCommand[slot] && nowNs - lastCommandNs[slot] < REPEAT_WINDOW_NS)
        {
            repeated.increment();
            ack(slot, command, lastResult[slot]);
            return;
        }
        final int result = execute(index, slot, command, x, y, p1, p2, p7, nowNs);
        executed.increment();
        lastCommand[slot] = command;
        lastResult[slot] = result;
        lastCommandNs[slot] = nowNs;
        lastX[slot] = x;
        lastY[slot] = y;
        if (result == MavlinkCommands.RESULT_ACCEPTED && changesMode(command))
        {
            // An order from the ground switches the vehicle back to AUTO: the pilot gave it back.
            pilotFlying[slot] = false;
            if (modeSwitch[slot] != NO_SWITCH && modeSwitchState[slot] == SWITCH_PENDING &&
                (command == MavlinkCommands.NAV_TAKEOFF || command == MavlinkCommands.DO_REPOSITION ||
                command == MavlinkCommands.MISSION_START))
            {
                modeSwitchState[slot] = SWITCH_ARMED;
                modeSwitchDueNs[slot] = nowNs + modeSwitchAfterNs[slot];
            }
        }
        ack(slot, command, result);
    }

    /** Whether an accepted {@code command} puts a PX4 vehicle in an AUTO mode (a speed change or arming does not). */
    private static boolean changesMode(final int command)
    {
        return command == MavlinkCommands.NAV_TAKEOFF || command == MavlinkCommands.DO_REPOSITION ||
            command == MavlinkCommands.MISSION_START || command == MavlinkCommands.DO_PAUSE_CONTINUE ||
            command == MavlinkCommands.NAV_RETURN_TO_LAUNCH || command == MavlinkCommands.NAV_LAND;
    }

    /**
     * The switch of {@link SimulatorConfig#MAVLINK_MODE_SWITCHES}: nothing from the ground asked for it, so the ground
     * hears of it only from the vehicle's HEARTBEAT (its mode) and its positions.
     */
    private void switchModeByItself(final int index, final int slot)
    {
        modeSwitchState[slot] = SWITCH_MADE;
        modeSwitches.increment();
        if (modeSwitch[slot] == SWITCH_POSCTL)
        {
            // The pilot's sticks centred: the order is dropped and the vehicle brakes to a hover where it is.
            if (obey(index, CommandType.CANCEL, Double.NaN, Double.NaN, Double.NaN, Double.NaN, movingOrderId[slot]) !=
                MavlinkCommands.RESULT_ACCEPTED)
            {
                obey(index, CommandType.HOLD, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0L);
            }
            pilotFlying[slot] = true;
            // The next HEARTBEAT says it at once, not up to a second later.
            stateDueNs[slot] = 0;
            LOG.info("drone {} (MAVLink system {}) switches to POSCTL by itself ({}): a pilot has taken over",
                fleet.droneId(index), slot + 1, SimulatorConfig.MAVLINK_MODE_SWITCHES.envName());
        }
        else
        {
            obey(index, CommandType.RETURN_HOME, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0L);
            stateDueNs[slot] = 0;
            LOG.info("drone {} (MAVLink system {}) switches to RTL by itself ({}): a failsafe flies it home",
                fleet.droneId(index), slot + 1, SimulatorConfig.MAVLINK_MODE_SWITCHES.envName());
        }
    }

    /** @return the MAV_RESULT. */
    private int execute(final int index, final int slot, final int command, final int x, final int y, final float p1,
        final float p2, final float p7, final long nowNs)
    {
        final boolean grounded = fleet.status(index) == DroneStatus.GROUNDED;
        switch (command)
        {
            case MavlinkCommands.COMPONENT_ARM_DISARM:
                if (p1 == 1f)
                {
                    if (grounded && fleet.battery(index) < fleet.commandTakeoffBatteryPct())
                    {
                        // The preflight check: not enough battery to fly.
                        return MavlinkCommands.RESULT_DENIED;
                    }
                    armedAtNs[slot] = grounded ? nowNs : 0;
                    return MavlinkCommands.RESULT_ACCEPTED;
                }
                if (!grounded)
                {
                    return MavlinkCommands.RESULT_DENIED;
                }
                armedAtNs[slot] = 0;
                return MavlinkCommands.RESULT_ACCEPTED;

            case MavlinkCommands.NAV_TAKEOFF:
                if (!grounded || !armedOnGround(slot, nowNs))
                {
                    return MavlinkCommands.RESULT_DENIED;
                }
                armedAtNs[slot] = 0;
                // PX4 reads the altitude above mean sea level.
                return obey(index, CommandType.TAKEOFF, Double.NaN, Double.NaN, p7 - HOME_MSL_M, Double.NaN);

            case MavlinkCommands.DO_REPOSITION:
                if (grounded)
                {
                    return MavlinkCommands.RESULT_DENIED;
                }
                return obey(index, CommandType.GOTO, x / 1e7, y / 1e7, p7, p1 > 0 ? p1 : Double.NaN);

            case MavlinkCommands.DO_PAUSE_CONTINUE:
                return obey(index, p1 == 0f ? CommandType.HOLD : CommandType.RESUME, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN);

            case MavlinkCommands.NAV_RETURN_TO_LAUNCH:
                return obey(index, CommandType.RETURN_HOME, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

            case MavlinkCommands.NAV_LAND:
                return obey(index, CommandType.LAND, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

            case MavlinkCommands.DO_CHANGE_SPEED:
                return obey(index, CommandType.SET_SPEED, Double.NaN, Double.NaN, Double.NaN, p2);

            case MavlinkCommands.MISSION_START:
                return startMission(index, slot);

            default:
                return MavlinkCommands.RESULT_UNSUPPORTED;
        }
    }

    /** Flies an order with the fleet's kinematics: the vehicle's flight controller. */
    private int obey(final int index, final CommandType type, final double latitude, final double longitude,
        final double altitude, final double speed)
    {
        return obey(index, type, latitude, longitude, altitude, speed, 0L);
    }

    private int obey(final int index, final CommandType type, final double latitude, final double longitude,
        final double altitude, final double speed, final long targetCommandId)
    {
        final long id = nextCommandId++;
        order.begin(orderBuffer, 0, fleet.droneId(index), id, 0L, type, latitude, longitude, altitude, speed,
            targetCommandId, 0L, false, 0);
        final int result = fleetResult(index, order.length());
        if (result == MavlinkCommands.RESULT_ACCEPTED && type != CommandType.HOLD && type != CommandType.RESUME &&
            type != CommandType.SET_SPEED && type != CommandType.CANCEL)
        {
            movingOrderId[index - firstIndex] = id;
        }
        return result;
    }

    private int fleetResult(final int index, final int length)
    {
        if (orderReader.read(orderBuffer, 0, length) != null)
        {
            return MavlinkCommands.RESULT_DENIED;
        }
        return fleet.onCommand(index, orderReader) == DroneFleet.COMMAND_ACCEPTED ? MavlinkCommands.RESULT_ACCEPTED :
            MavlinkCommands.RESULT_DENIED;
    }

    private void ack(final int slot, final int command, final int result)
    {
        if (acksToDrop > 0)
        {
            acksToDrop--;
            acksDropped.increment();
            return;
        }
        writer.begin(commandAck).command(command).result(result).targetSystem(MavlinkCommands.GCS_SYSTEM_ID)
            .targetComponent(MavlinkCommands.GCS_COMPONENT_ID);
        reply(slot, commandAck);
    }

    // The mission protocol, as PX4 speaks it: the vehicle asks for each item in turn.

    private void onMissionCount(final int slot, final int count, final int missionType)
    {
        if (missionType != MavlinkCommands.MISSION_TYPE_MISSION)
        {
            missionAck(slot, MISSION_INVALID_SEQUENCE);
            return;
        }
        if (count > MAX_ITEMS)
        {
            missionAck(slot, MISSION_NO_SPACE);
            return;
        }
        if (items[slot] == null)
        {
            // Once per drone, on its first mission (cold path).
            items[slot] = new MissionStore();
        }
        final MissionStore store = items[slot];
        store.expected = count;
        store.received = 0;
        if (count == 0)
        {
            missionAck(slot, MavlinkCommands.MISSION_ACCEPTED);
            return;
        }
        request(slot, 0);
    }

    private void onMissionItem(final int slot)
    {
        final MissionStore store = items[slot];
        if (store == null || store.received >= store.expected)
        {
            return;
        }
        final int seq = missionItem.seq();
        if (seq != store.received)
        {
            // Out of order (a retry crossed a request): ask again for the one it needs.
            request(slot, store.received);
            return;
        }
        store.command[seq] = missionItem.command();
        store.param1[seq] = missionItem.param1();
        store.param2[seq] = missionItem.param2();
        store.latitude[seq] = missionItem.x() / 1e7;
        store.longitude[seq] = missionItem.y() / 1e7;
        store.altitude[seq] = missionItem.z();
        store.received++;
        if (store.received < store.expected)
        {
            request(slot, store.received);
        }
        else
        {
            store.count = store.expected;
            missionAck(slot, MavlinkCommands.MISSION_ACCEPTED);
        }
    }

    private void request(final int slot, final int seq)
    {
        writer.begin(missionRequest).seq(seq).targetSystem(MavlinkCommands.GCS_SYSTEM_ID)
            .targetComponent(MavlinkCommands.GCS_COMPONENT_ID).missionType(MavlinkCommands.MISSION_TYPE_MISSION);
        reply(slot, missionRequest);
    }

    private void missionAck(final int slot, final int type)
    {
        writer.begin(missionAck).type(type).targetSystem(MavlinkCommands.GCS_SYSTEM_ID)
            .targetComponent(MavlinkCommands.GCS_COMPONENT_ID).missionType(MavlinkCommands.MISSION_TYPE_MISSION);
        reply(slot, missionAck);
    }

    /** MISSION_START: the stored waypoints become the fleet's mission (a speed change applies to the next waypoint). */
    private int startMission(final int index, final int slot)
    {
        final MissionStore store = items[slot];
        if (store != null && store.received < store.expected)
        {
            return MavlinkCommands.RESULT_TEMPORARILY_REJECTED;
        }
        int waypoints = 0;
        for (int seq = 0; store != null && seq < store.count; seq++)
        {
            waypoints += store.command[seq] == MavlinkCommands.NAV_WAYPOINT ? 1 : 0;
        }
        if (waypoints == 0 || waypoints > CommandLimits.MAX_WAYPOINTS)
        {
            return MavlinkCommands.RESULT_DENIED;
        }
        final long id = nextCommandId++;
        order.begin(orderBuffer, 0, fleet.droneId(index), id, 0L, CommandType.MISSION, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN, 0L, 0L, false, waypoints);
        double speed = Double.NaN;
        for (int seq = 0; seq < store.count; seq++)
        {
            if (store.command[seq] == MavlinkCommands.DO_CHANGE_SPEED)
            {
                speed = store.param2[seq];
            }
            else if (store.command[seq] == MavlinkCommands.NAV_WAYPOINT)
            {
                store.waypointItem[store.waypointOf(seq)] = seq;
                order.waypoint(store.latitude[seq], store.longitude[seq], store.altitude[seq], speed, store.param1[seq]);
            }
        }
        final int result = fleetResult(index, order.length());
        if (result == MavlinkCommands.RESULT_ACCEPTED)
        {
            movingOrderId[slot] = id;
            missionCommandId[slot] = id;
            missionReported[slot] = 0;
        }
        return result;
    }

    /**
     * MISSION_ITEM_REACHED for each waypoint passed since the last step, and MISSION_CURRENT with the state frames:
     * appended to the step's datagram. @return the bytes appended.
     */
    private int missionProgress(final int index, final int slot, final int offset, final boolean stateDue)
    {
        final long id = missionCommandId[slot];
        if (id == 0)
        {
            return 0;
        }
        final MissionStore store = items[slot];
        final int waypoint = fleet.missionWaypoint(index);
        final CommandPhase phase = waypoint >= 0 ? CommandPhase.IN_PROGRESS : fleet.commandPhase(index, id);
        final int waypoints = store.waypointOf(store.count);
        int reachedUpTo;
        if (phase == CommandPhase.DONE)
        {
            reachedUpTo = waypoints;
            missionCommandId[slot] = 0;
        }
        else if (phase == CommandPhase.IN_PROGRESS || phase == CommandPhase.ACCEPTED)
        {
            // Running, or paused by a HOLD (then it is not the active command and its waypoint is where it was).
            reachedUpTo = waypoint >= 0 ? waypoint : missionReported[slot];
        }
        else
        {
            missionCommandId[slot] = 0;
            return 0;
        }
        int length = 0;
        // Bounded by the datagram: at most two frames more per step (the rest goes with the next steps).
        if (missionReported[slot] < reachedUpTo)
        {
            writer.begin(itemReached).seq(store.waypointItem[missionReported[slot]]);
            length += frame(slot, offset + length, itemReached);
            missionReported[slot]++;
            if (missionReported[slot] < reachedUpTo)
            {
                missionCommandId[slot] = id;
            }
        }
        if (waypoint >= 0 && stateDue)
        {
            writer.begin(missionCurrent).seq(store.waypointItem[waypoint]).total(store.count);
            length += frame(slot, offset + length, missionCurrent);
        }
        return length;
    }

    private void reply(final int slot, final MessageFlyweight message)
    {
        final int length = frame(slot, 0, message);
        datagram.limit(length).position(0);
        try
        {
            if (channel.write(datagram) > 0)
            {
                return;
            }
        }
        catch (final IOException ex)
        {
            // The edge is gone: the ground station retries.
        }
        sendsFailed.increment();
    }

    /** A drone's mission as uploaded (PX4 keeps it on its SD card; here, until the next upload). */
    private static final class MissionStore
    {
        final int[] command = new int[MAX_ITEMS];
        final float[] param1 = new float[MAX_ITEMS];
        final float[] param2 = new float[MAX_ITEMS];
        final double[] latitude = new double[MAX_ITEMS];
        final double[] longitude = new double[MAX_ITEMS];
        final float[] altitude = new float[MAX_ITEMS];
        /** The item seq of each waypoint. */
        final int[] waypointItem = new int[MAX_ITEMS];
        int expected;
        int received;
        int count;

        /** The number of waypoints among the items before {@code seq}. */
        int waypointOf(final int seq)
        {
            int waypoints = 0;
            for (int i = 0; i < seq; i++)
            {
                waypoints += command[i] == MavlinkCommands.NAV_WAYPOINT ? 1 : 0;
            }
            return waypoints;
        }
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
