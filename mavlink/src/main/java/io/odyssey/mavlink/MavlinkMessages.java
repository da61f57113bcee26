package io.odyssey.mavlink;

import io.odyssey.mavlink.message.Attitude;
import io.odyssey.mavlink.message.BatteryStatus;
import io.odyssey.mavlink.message.CommandAck;
import io.odyssey.mavlink.message.CommandInt;
import io.odyssey.mavlink.message.CommandLong;
import io.odyssey.mavlink.message.ExtendedSysState;
import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.GpsRawInt;
import io.odyssey.mavlink.message.Heartbeat;
import io.odyssey.mavlink.message.MissionAck;
import io.odyssey.mavlink.message.MissionClearAll;
import io.odyssey.mavlink.message.MissionCount;
import io.odyssey.mavlink.message.MissionCurrent;
import io.odyssey.mavlink.message.MissionItemInt;
import io.odyssey.mavlink.message.MissionItemReached;
import io.odyssey.mavlink.message.MissionRequest;
import io.odyssey.mavlink.message.MissionRequestInt;
import io.odyssey.mavlink.message.Statustext;
import io.odyssey.mavlink.message.SysStatus;
import io.odyssey.mavlink.message.VfrHud;

import java.util.Arrays;

/**
 * The messages Odyssey knows, by id: a frame's checksum can only be checked with its message's CRC_EXTRA, so a
 * frame of any other message cannot be trusted and is refused as unknown (a vehicle sends dozens of message types;
 * the edge needs these).
 */
public final class MavlinkMessages
{
    /** Ids fit in 24 bits; every message Odyssey uses is below 256, so a table is enough. */
    private static final int TABLE_SIZE = 256;
    private static final int[] CRC_EXTRA = new int[TABLE_SIZE];

    static
    {
        Arrays.fill(CRC_EXTRA, -1);
        known(Heartbeat.ID, Heartbeat.CRC_EXTRA);
        known(SysStatus.ID, SysStatus.CRC_EXTRA);
        known(GpsRawInt.ID, GpsRawInt.CRC_EXTRA);
        known(Attitude.ID, Attitude.CRC_EXTRA);
        known(GlobalPositionInt.ID, GlobalPositionInt.CRC_EXTRA);
        known(VfrHud.ID, VfrHud.CRC_EXTRA);
        known(BatteryStatus.ID, BatteryStatus.CRC_EXTRA);
        known(ExtendedSysState.ID, ExtendedSysState.CRC_EXTRA);
        known(CommandLong.ID, CommandLong.CRC_EXTRA);
        known(CommandInt.ID, CommandInt.CRC_EXTRA);
        known(CommandAck.ID, CommandAck.CRC_EXTRA);
        known(MissionCount.ID, MissionCount.CRC_EXTRA);
        known(MissionRequest.ID, MissionRequest.CRC_EXTRA);
        known(MissionRequestInt.ID, MissionRequestInt.CRC_EXTRA);
        known(MissionItemInt.ID, MissionItemInt.CRC_EXTRA);
        known(MissionAck.ID, MissionAck.CRC_EXTRA);
        known(MissionClearAll.ID, MissionClearAll.CRC_EXTRA);
        known(MissionCurrent.ID, MissionCurrent.CRC_EXTRA);
        known(MissionItemReached.ID, MissionItemReached.CRC_EXTRA);
        known(Statustext.ID, Statustext.CRC_EXTRA);
    }

    private MavlinkMessages()
    {
    }

    /** The CRC_EXTRA of a message Odyssey knows, or -1. */
    public static int crcExtra(final int messageId)
    {
        return messageId >= 0 && messageId < TABLE_SIZE ? CRC_EXTRA[messageId] : -1;
    }

    private static void known(final int id, final int crcExtra)
    {
        if (CRC_EXTRA[id] != -1)
        {
            throw new IllegalStateException("message id " + id + " registered twice");
        }
        CRC_EXTRA[id] = crcExtra;
    }
}
