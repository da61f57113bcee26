package io.odyssey.simulator;

import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import org.agrona.MutableDirectBuffer;

import static io.odyssey.simulator.DroneFleet.COMMAND_SLOTS;
import static io.odyssey.simulator.FleetState.NO_SLOT;

/**
 * The last {@link DroneFleet#COMMAND_SLOTS} commands of each drone (a struct-of-arrays table at index
 * {@code drone * COMMAND_SLOTS + slot}) and the queue of drones with answers to send.
 * <p>
 * Every command the drone hears keeps a slot: its id, type and latest phase. A resent id is found here and answered
 * again, never run twice. A slot whose latest phase has not been reported is "dirty" and its drone waits in a queue
 * ({@link #pollAnswerQueue()}); the publisher writes the answers ({@link #writeAnswer}) and confirms each one it could
 * send ({@link #answerSent(int)}), so an answer that met back pressure is offered again, and only the latest phase of
 * a command is ever pending (progress coalesces). The first answer for a command is always its opening (ACCEPTED,
 * REJECTED or STARTED_BY_DRONE), even when the command moved on before it could be sent, so the ground sees every
 * command open before it sees it end.
 */
final class CommandSlots
{
    /** The command types by ordinal, as the slot table keeps them. */
    static final CommandType[] COMMAND_TYPES = CommandType.values();

    private static final byte SLOT_DIRTY = 1;
    private static final byte SLOT_OPENED = 2;
    private static final byte SLOT_DRONE_STARTED = 4;

    final long[] slotCommandId;
    final byte[] slotType;
    final byte[] slotPhase;
    final byte[] slotReason;
    final byte[] slotFlags;
    final float[] slotProgress;
    final int[] slotWaypoint;
    final double[] slotTargetLat;
    final double[] slotTargetLon;
    final float[] slotTargetAlt;
    /** When the slot was taken (oldest goes first) and when it became dirty (answers go out in that order). */
    final long[] slotTakenAt;
    final long[] slotDirtyAt;
    private long slotClock;

    // Drones with answers to send, first in first out, each at most once.
    private final int[] answerQueue;
    private final boolean[] answerQueued;
    private int answerHead;
    private int answerCount;
    private int writtenSlot = NO_SLOT;
    private byte writtenPhase;
    private long answersLost;

    private final FleetState state;

    CommandSlots(final FleetState state)
    {
        this.state = state;
        final int slots = state.size * COMMAND_SLOTS;
        slotCommandId = new long[slots];
        slotType = new byte[slots];
        slotPhase = new byte[slots];
        slotReason = new byte[slots];
        slotFlags = new byte[slots];
        slotProgress = new float[slots];
        slotWaypoint = new int[slots];
        slotTargetLat = new double[slots];
        slotTargetLon = new double[slots];
        slotTargetAlt = new float[slots];
        slotTakenAt = new long[slots];
        slotDirtyAt = new long[slots];
        answerQueue = new int[state.size];
        answerQueued = new boolean[state.size];
    }

    static int slot(final int i, final int s)
    {
        return i * COMMAND_SLOTS + s;
    }

    /** Slot (0 .. COMMAND_SLOTS - 1) of drone {@code i} holding {@code commandId}, or NO_SLOT. */
    int findSlot(final int i, final long commandId)
    {
        if (commandId == 0)
        {
            return NO_SLOT;
        }
        final int base = slot(i, 0);
        for (int s = 0; s < COMMAND_SLOTS; s++)
        {
            if (slotCommandId[base + s] == commandId)
            {
                return s;
            }
        }
        return NO_SLOT;
    }

    /**
     * A slot for a new command: a free one, else the oldest that is neither running, paused nor waiting to be
     * answered, else the oldest that is neither running nor paused (its unsent answer is lost, and counted).
     */
    int takeSlot(final int i, final long commandId, final CommandType type, final boolean droneStarted)
    {
        final int base = slot(i, 0);
        int chosen = NO_SLOT;
        int fallback = NO_SLOT;
        for (int s = 0; s < COMMAND_SLOTS; s++)
        {
            final int at = base + s;
            if (slotCommandId[at] == 0)
            {
                chosen = s;
                break;
            }
            if (s == state.activeSlot[i] || s == state.heldSlot[i])
            {
                continue;
            }
            if ((slotFlags[at] & SLOT_DIRTY) == 0 &&
                (chosen == NO_SLOT || slotTakenAt[at] < slotTakenAt[base + chosen]))
            {
                chosen = s;
            }
            if (fallback == NO_SLOT || slotTakenAt[at] < slotTakenAt[base + fallback])
            {
                fallback = s;
            }
        }
        if (chosen == NO_SLOT)
        {
            chosen = fallback;
            answersLost++;
        }
        final int at = base + chosen;
        slotCommandId[at] = commandId;
        slotType[at] = (byte)type.ordinal();
        slotPhase[at] = (byte)(droneStarted ? CommandPhase.STARTED_BY_DRONE : CommandPhase.ACCEPTED).value();
        slotReason[at] = (byte)CommandReason.NONE.value();
        slotFlags[at] = droneStarted ? SLOT_DRONE_STARTED : 0;
        slotProgress[at] = 0f;
        slotWaypoint[at] = type == CommandType.MISSION ? 0 : -1;
        slotTargetLat[at] = Double.NaN;
        slotTargetLon[at] = Double.NaN;
        slotTargetAlt[at] = Float.NaN;
        slotTakenAt[at] = ++slotClock;
        return chosen;
    }

    void target(final int i, final int s, final double latitude, final double longitude, final double alt)
    {
        final int at = slot(i, s);
        slotTargetLat[at] = latitude;
        slotTargetLon[at] = longitude;
        slotTargetAlt[at] = (float)alt;
    }

    void reject(final int i, final int s, final CommandReason reason)
    {
        answer(i, s, CommandPhase.REJECTED, reason);
    }

    /** Records the latest phase of drone {@code i}'s command in slot {@code s} and queues it to be reported. */
    void answer(final int i, final int s, final CommandPhase phase, final CommandReason reason)
    {
        final int at = slot(i, s);
        slotPhase[at] = (byte)phase.value();
        slotReason[at] = (byte)reason.value();
        if (phase == CommandPhase.DONE)
        {
            slotProgress[at] = 100f;
        }
        markDirty(i, s);
    }

    void markDirty(final int i, final int s)
    {
        final int at = slot(i, s);
        slotFlags[at] |= SLOT_DIRTY;
        slotDirtyAt[at] = ++slotClock;
        queueAnswers(i);
    }

    /** Puts drone {@code i} at the back of the answer queue unless it is queued already. */
    void queueAnswers(final int i)
    {
        if (!answerQueued[i])
        {
            answerQueue[(answerHead + answerCount) % state.size] = i;
            answerCount++;
            answerQueued[i] = true;
        }
    }

    /** Number of drones waiting in the answer queue. */
    int answersQueued()
    {
        return answerCount;
    }

    /** Takes the drone at the head of the answer queue; call only when {@link #answersQueued()} is positive. */
    int pollAnswerQueue()
    {
        final int i = answerQueue[answerHead];
        answerHead = (answerHead + 1) % state.size;
        answerCount--;
        answerQueued[i] = false;
        return i;
    }

    /**
     * Encodes drone {@code i}'s next answer (of the command that became due first): the command's opening phase if
     * that has not been sent yet, else its latest phase. {@link #answerSent(int)} confirms it went out.
     *
     * @return the encoded length, or 0 when the drone has nothing to answer.
     */
    int writeAnswer(
        final int i, final TelemetryFrameWriter writer, final MutableDirectBuffer buffer, final int offset,
        final long sentAtNanos)
    {
        final int base = slot(i, 0);
        int due = NO_SLOT;
        for (int s = 0; s < COMMAND_SLOTS; s++)
        {
            final int at = base + s;
            if ((slotFlags[at] & SLOT_DIRTY) != 0 && (due == NO_SLOT || slotDirtyAt[at] < slotDirtyAt[base + due]))
            {
                due = s;
            }
        }
        writtenSlot = due;
        if (due == NO_SLOT)
        {
            return 0;
        }
        final int at = base + due;
        final boolean opening = (slotFlags[at] & SLOT_OPENED) == 0;
        final CommandPhase latest = CommandPhase.get(slotPhase[at]);
        final CommandPhase phase;
        final CommandReason reason;
        // A refusal, or a command the drone no longer has, opens with its own phase: it was never accepted.
        if (!opening || latest == CommandPhase.REJECTED ||
            (latest == CommandPhase.FAILED && slotReason[at] == (byte)CommandReason.NO_SUCH_COMMAND.value()))
        {
            phase = latest;
            reason = CommandReason.get(slotReason[at]);
        }
        else if ((slotFlags[at] & SLOT_DRONE_STARTED) != 0)
        {
            phase = CommandPhase.STARTED_BY_DRONE;
            reason = CommandReason.FAILSAFE_LOW_BATTERY;
        }
        else
        {
            phase = CommandPhase.ACCEPTED;
            reason = CommandReason.NONE;
        }
        writtenPhase = (byte)phase.value();
        final float progress = phase == latest ? slotProgress[at] : 0f;
        return writer.commandStatus(
            buffer, offset, state.droneId(i), slotCommandId[at], sentAtNanos, phase, reason, progress,
            slotWaypoint[at], COMMAND_TYPES[slotType[at]], slotTargetLat[at], slotTargetLon[at], slotTargetAlt[at]);
    }

    /** The answer last written by {@link #writeAnswer} for drone {@code i} was sent. */
    void answerSent(final int i)
    {
        if (writtenSlot == NO_SLOT)
        {
            return;
        }
        final int at = slot(i, writtenSlot);
        slotFlags[at] |= SLOT_OPENED;
        if (slotPhase[at] == writtenPhase)
        {
            slotFlags[at] &= ~SLOT_DIRTY;
        }
        writtenSlot = NO_SLOT;
    }

    /** Answers overwritten before they could be sent (a drone given more commands than it has slots, while cut off). */
    long answersLost()
    {
        return answersLost;
    }

    void finishActive(final int i, final CommandPhase phase, final CommandReason reason)
    {
        answer(i, state.activeSlot[i], phase, reason);
        state.activeSlot[i] = NO_SLOT;
    }

    /** Ends the running and the paused command (if any) with {@code phase}. */
    void endRunningCommands(final int i, final CommandPhase phase, final CommandReason reason)
    {
        if (state.activeSlot[i] != NO_SLOT)
        {
            answer(i, state.activeSlot[i], phase, reason);
            state.activeSlot[i] = NO_SLOT;
        }
        if (state.heldSlot[i] != NO_SLOT)
        {
            answer(i, state.heldSlot[i], phase, reason);
            state.heldSlot[i] = NO_SLOT;
        }
    }

    boolean activeIs(final int i, final CommandType type)
    {
        return state.activeSlot[i] != NO_SLOT && slotType[slot(i, state.activeSlot[i])] == type.ordinal();
    }

    /** The latest phase of drone {@code i}'s command {@code commandId}; null once the drone no longer holds it. */
    CommandPhase commandPhase(final int i, final long commandId)
    {
        final int s = findSlot(i, commandId);
        return s == NO_SLOT ? null : CommandPhase.get((short)(slotPhase[slot(i, s)] & 0xFF));
    }
}
