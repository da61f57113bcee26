package io.odyssey.simulator;

import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.CommandStatusDecoder;
import io.odyssey.codecs.sbe.CommandType;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;

/** One decoded CommandStatus frame: what a drone said about a command. */
record Answer(
    long droneId, long commandId, CommandPhase phase, CommandReason reason, float progress, int waypointIndex,
    CommandType type, double targetLatitude, double targetLongitude, float targetAltitude)
{
    /**
     * Decodes a frame, checking it passes the ground's validation.
     *
     * @return the answer, or null when the frame is not a command status.
     */
    static Answer read(final TelemetryFrameReader reader, final DirectBuffer buffer, final int offset, final int length)
    {
        final int kind = reader.read(buffer, offset, length);
        if (kind != TelemetryFrameReader.COMMAND_STATUS)
        {
            if (kind == TelemetryFrameReader.REJECTED)
            {
                throw new AssertionError("frame rejected by the ground's reader: " + reader.rejectReason());
            }
            return null;
        }
        return of(reader.commandStatus());
    }

    /** The answer a reader has just read and validated (a verifying reader cannot be asked twice: a replay). */
    static Answer of(final CommandStatusDecoder s)
    {
        return new Answer(s.droneId(), s.commandId(), s.phase(), s.reason(), s.progress(), s.waypointIndex(),
            s.commandType(), s.targetLatitude(), s.targetLongitude(), s.targetAltitude());
    }

    /** Sends every answer the fleet has queued (as the publisher does with an outlet that always accepts) into {@code out}. */
    static void drain(final DroneFleet fleet, final List<Answer> out)
    {
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        final TelemetryFrameReader reader = new TelemetryFrameReader();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        while (fleet.answersQueued() > 0)
        {
            final int index = fleet.pollAnswerQueue();
            int length;
            while ((length = fleet.writeAnswer(index, writer, buffer, 0, 1L)) > 0)
            {
                out.add(read(reader, buffer, 0, length));
                fleet.answerSent(index);
            }
        }
    }

    boolean isFinal()
    {
        return phase == CommandPhase.REJECTED || phase == CommandPhase.DONE || phase == CommandPhase.FAILED ||
            phase == CommandPhase.CANCELLED;
    }
}
