package io.odyssey.simulator;

import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.odyssey.simulator.DroneFleet.COMMAND_SLOTS;
import static io.odyssey.simulator.FleetState.NO_SLOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The slot table and answer queue on their own: which command gives up its slot, and in what order answers go out. */
class CommandSlotsTest
{
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final FleetState state = new FleetState(3, 1, 52.52, 13.405, 3000, 12, 25, 1);
    private final CommandSlots slots = new CommandSlots(state);

    @Test
    void shouldGiveANewCommandTheOldestAnsweredSlotNeverTheRunningOneNorOneWaitingToBeSent()
    {
        for (long id = 1; id <= COMMAND_SLOTS; id++)
        {
            slots.answer(0, slots.takeSlot(0, id, CommandType.GOTO, false), CommandPhase.DONE, CommandReason.NONE);
        }
        sendAll(new ArrayList<>());
        state.activeSlot[0] = (byte)slots.findSlot(0, 1);
        slots.answer(0, slots.findSlot(0, 2), CommandPhase.FAILED, CommandReason.FAILSAFE_LOW_BATTERY);

        slots.takeSlot(0, 100, CommandType.LAND, false);

        assertThat(slots.findSlot(0, 100)).isNotEqualTo(NO_SLOT);
        assertThat(slots.findSlot(0, 1)).as("the running command keeps its slot").isNotEqualTo(NO_SLOT);
        assertThat(slots.findSlot(0, 2)).as("an answer waiting to be sent keeps its slot").isNotEqualTo(NO_SLOT);
        assertThat(slots.findSlot(0, 3)).as("the oldest answered command gives up its slot").isEqualTo(NO_SLOT);
        assertThat(slots.answersLost()).isZero();
    }

    @Test
    void shouldCountTheAnswerLostWhenEverySlotWaitsToBeSent()
    {
        for (long id = 1; id <= COMMAND_SLOTS + 1; id++)
        {
            slots.answer(0, slots.takeSlot(0, id, CommandType.GOTO, false), CommandPhase.DONE, CommandReason.NONE);
        }

        assertThat(slots.answersLost()).isEqualTo(1);
        assertThat(slots.findSlot(0, 1)).as("the oldest went").isEqualTo(NO_SLOT);
        final List<Answer> sent = new ArrayList<>();
        sendAll(sent);
        assertThat(sent).extracting(Answer::commandId).doesNotContain(1L).contains(2L, (long)COMMAND_SLOTS + 1);
    }

    @Test
    void shouldOpenACommandBeforeReportingItsEndEvenWhenItEndedBeforeAnythingWasSent()
    {
        slots.answer(1, slots.takeSlot(1, 7, CommandType.TAKEOFF, false), CommandPhase.DONE, CommandReason.NONE);
        slots.answer(1, slots.takeSlot(1, -3, CommandType.RETURN_HOME, true), CommandPhase.FAILED,
            CommandReason.CANCELLED_BY_OPERATOR);

        final List<Answer> sent = new ArrayList<>();
        sendAll(sent);

        assertThat(sent).extracting(Answer::commandId, Answer::phase, Answer::progress).containsExactly(
            tuple(7L, CommandPhase.ACCEPTED, 0f),
            tuple(7L, CommandPhase.DONE, 100f),
            tuple(-3L, CommandPhase.STARTED_BY_DRONE, 0f),
            tuple(-3L, CommandPhase.FAILED, 0f));
        assertThat(slots.answersQueued()).isZero();
    }

    @Test
    void shouldOfferAnAnswerAgainUntilItIsConfirmedSent()
    {
        slots.reject(2, slots.takeSlot(2, 9, CommandType.HOLD, false), CommandReason.NOT_AIRBORNE);
        assertThat(slots.pollAnswerQueue()).isEqualTo(2);

        final int first = slots.writeAnswer(2, writer, buffer, 0, 1L);
        final int again = slots.writeAnswer(2, writer, buffer, 0, 1L);
        assertThat(first).isPositive().isEqualTo(again);
        assertThat(Answer.read(reader, buffer, 0, again)).extracting(Answer::phase, Answer::reason)
            .containsExactly(CommandPhase.REJECTED, CommandReason.NOT_AIRBORNE);

        slots.answerSent(2);
        assertThat(slots.writeAnswer(2, writer, buffer, 0, 1L)).as("nothing more once sent").isZero();
    }

    @Test
    void shouldQueueEachDroneOnceFirstInFirstOut()
    {
        slots.answer(2, slots.takeSlot(2, 5, CommandType.GOTO, false), CommandPhase.ACCEPTED, CommandReason.NONE);
        slots.answer(0, slots.takeSlot(0, 6, CommandType.GOTO, false), CommandPhase.ACCEPTED, CommandReason.NONE);
        slots.answer(2, slots.takeSlot(2, 7, CommandType.GOTO, false), CommandPhase.ACCEPTED, CommandReason.NONE);
        slots.queueAnswers(0);

        assertThat(slots.answersQueued()).isEqualTo(2);
        assertThat(slots.pollAnswerQueue()).isEqualTo(2);
        assertThat(slots.pollAnswerQueue()).isZero();
        assertThat(slots.answersQueued()).isZero();
    }

    private void sendAll(final List<Answer> out)
    {
        while (slots.answersQueued() > 0)
        {
            final int drone = slots.pollAnswerQueue();
            int length;
            while ((length = slots.writeAnswer(drone, writer, buffer, 0, 1L)) > 0)
            {
                out.add(Answer.read(reader, buffer, 0, length));
                slots.answerSent(drone);
            }
        }
    }
}
