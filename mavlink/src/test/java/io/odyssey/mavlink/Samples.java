package io.odyssey.mavlink;

import io.dronefleet.mavlink.common.CommandAck;
import io.dronefleet.mavlink.common.CommandLong;
import io.dronefleet.mavlink.common.ExtendedSysState;
import io.dronefleet.mavlink.common.GlobalPositionInt;
import io.dronefleet.mavlink.common.MavCmd;
import io.dronefleet.mavlink.common.MavFrame;
import io.dronefleet.mavlink.common.MavLandedState;
import io.dronefleet.mavlink.common.MavMissionType;
import io.dronefleet.mavlink.common.MavResult;
import io.dronefleet.mavlink.common.MavVtolState;
import io.dronefleet.mavlink.common.MissionItemInt;
import io.dronefleet.mavlink.common.SysStatus;
import io.dronefleet.mavlink.common.VfrHud;
import io.dronefleet.mavlink.minimal.Heartbeat;
import io.dronefleet.mavlink.minimal.MavAutopilot;
import io.dronefleet.mavlink.minimal.MavModeFlag;
import io.dronefleet.mavlink.minimal.MavState;
import io.dronefleet.mavlink.minimal.MavType;
import io.dronefleet.mavlink.util.EnumValue;
import io.odyssey.mavlink.message.MessageFlyweight;

import java.util.List;
import java.util.function.Function;

/**
 * The same messages twice: as dronefleet objects and as writes into Odyssey's flyweights, with values that exercise
 * signs, scales and a zero tail (so truncation shows).
 */
final class Samples
{
    /** A message as the independent library builds it, and as Odyssey writes it. */
    record Sample(String name, Object independent, Function<MavlinkFrameWriter, MessageFlyweight> odyssey)
    {
        public String toString()
        {
            return name;
        }
    }

    /** The golden frames' signing key: bytes 0x00..0x1f. A test vector, never a key anything flies with. */
    static final byte[] KEY = new byte[MavlinkSigner.KEY_LENGTH];
    static final int SYSTEM = 42;
    static final int COMPONENT = 1;
    static final int LINK = 3;
    /** 2026-12-01T00:00:00Z as a signing timestamp. */
    static final long TIMESTAMP = MavlinkSigner.timestampOfUnixMicros(1_796_083_200_000_000L);

    static
    {
        for (int i = 0; i < KEY.length; i++)
        {
            KEY[i] = (byte)i;
        }
    }

    private Samples()
    {
    }

    static List<Sample> all()
    {
        return List.of(
            new Sample("heartbeat", Heartbeat.builder().type(MavType.MAV_TYPE_QUADROTOR)
                .autopilot(MavAutopilot.MAV_AUTOPILOT_PX4)
                .baseMode(EnumValue.create(MavModeFlag.MAV_MODE_FLAG_SAFETY_ARMED, MavModeFlag.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED))
                .customMode(0x0004_0000L | 3 << 24).systemStatus(MavState.MAV_STATE_ACTIVE).mavlinkVersion(3).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.Heartbeat()).type(2).autopilot(12)
                    .baseMode(128 | 1).customMode(0x0004_0000L | 3 << 24).systemStatus(4).mavlinkVersion(3)),
            new Sample("global-position-int", GlobalPositionInt.builder().timeBootMs(123_456).lat(525_200_000)
                .lon(134_050_000).alt(87_500).relativeAlt(52_000).vx(-350).vy(1_200).vz(-50).hdg(27_025).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.GlobalPositionInt()).timeBootMs(123_456)
                    .lat(525_200_000).lon(134_050_000).alt(87_500).relativeAlt(52_000).vx(-350).vy(1_200).vz(-50)
                    .hdg(27_025)),
            new Sample("sys-status", SysStatus.builder().onboardControlSensorsPresent(EnumValue.create(0x0020_FFFF))
                .onboardControlSensorsEnabled(EnumValue.create(0x0020_FF0F))
                .onboardControlSensorsHealth(EnumValue.create(0x0020_FF0F)).voltageBattery(15_800).currentBattery(-1)
                .batteryRemaining(64).load(350).dropRateComm(1).errorsComm(2).errorsCount1(0).errorsCount2(0)
                .errorsCount3(0).errorsCount4(0).onboardControlSensorsPresentExtended(EnumValue.create(0))
                .onboardControlSensorsEnabledExtended(EnumValue.create(0))
                .onboardControlSensorsHealthExtended(EnumValue.create(0x0100_0000)).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.SysStatus()).sensorsPresent(0x0020_FFFF)
                    .sensorsEnabled(0x0020_FF0F).sensorsHealth(0x0020_FF0F).voltageBattery(15_800).currentBattery(-1)
                    .batteryRemaining(64).load(350).dropRateComm(1).errorsComm(2).sensorsHealthExtended(0x0100_0000)),
            new Sample("extended-sys-state", ExtendedSysState.builder().vtolState(MavVtolState.MAV_VTOL_STATE_UNDEFINED)
                .landedState(MavLandedState.MAV_LANDED_STATE_IN_AIR).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.ExtendedSysState()).vtolState(0).landedState(2)),
            new Sample("command-long", CommandLong.builder().targetSystem(SYSTEM).targetComponent(COMPONENT)
                .command(MavCmd.MAV_CMD_NAV_TAKEOFF).confirmation(1).param1(0).param4(Float.NaN).param7(30f).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.CommandLong()).targetSystem(SYSTEM)
                    .targetComponent(COMPONENT).command(22).confirmation(1).param4(Float.NaN).param7(30f)),
            new Sample("command-ack", CommandAck.builder().command(MavCmd.MAV_CMD_NAV_TAKEOFF)
                .result(MavResult.MAV_RESULT_DENIED).progress(0).resultParam2(7).targetSystem(255).targetComponent(190)
                .build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.CommandAck()).command(22).result(2).progress(0)
                    .resultParam2(7).targetSystem(255).targetComponent(190)),
            new Sample("mission-item-int", MissionItemInt.builder().targetSystem(SYSTEM).targetComponent(COMPONENT)
                .seq(2).frame(MavFrame.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT).command(MavCmd.MAV_CMD_NAV_WAYPOINT)
                .current(0).autocontinue(1).x(525_210_000).y(134_070_000).z(60f)
                .missionType(MavMissionType.MAV_MISSION_TYPE_FENCE).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.MissionItemInt()).targetSystem(SYSTEM)
                    .targetComponent(COMPONENT).seq(2).frame(6).command(16).current(0).autocontinue(1).x(525_210_000)
                    .y(134_070_000).z(60f).missionType(1)));
    }

    /**
     * Messages whose payload ends in zeros: Odyssey drops them as MAVLink 2 asks, dronefleet sends them (both are
     * valid on the wire; every reader must take both).
     */
    static List<Sample> truncated()
    {
        return List.of(
            new Sample("vfr-hud-idle", VfrHud.builder().airspeed(0).groundspeed(0.5f).alt(31f).climb(0).heading(90)
                .throttle(0).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.VfrHud()).groundspeed(0.5f).alt(31f).heading(90)),
            new Sample("global-position-int-still", GlobalPositionInt.builder().timeBootMs(5).lat(-337_000_000)
                .lon(1_512_000_000).alt(-12_000).relativeAlt(0).vx(0).vy(0).vz(0).hdg(0).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.GlobalPositionInt()).timeBootMs(5)
                    .lat(-337_000_000).lon(1_512_000_000).alt(-12_000)),
            new Sample("mission-item-int-first", MissionItemInt.builder().targetSystem(SYSTEM)
                .targetComponent(COMPONENT).seq(0).frame(MavFrame.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT)
                .command(MavCmd.MAV_CMD_NAV_WAYPOINT).current(1).autocontinue(1).x(525_210_000).y(134_070_000).z(60f)
                .missionType(MavMissionType.MAV_MISSION_TYPE_MISSION).build(),
                writer -> writer.begin(new io.odyssey.mavlink.message.MissionItemInt()).targetSystem(SYSTEM)
                    .targetComponent(COMPONENT).seq(0).frame(6).command(16).current(1).autocontinue(1)
                    .x(525_210_000).y(134_070_000).z(60f)));
    }
}
