package io.odyssey.grid.ledger;

import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static io.odyssey.codecs.CommandState.ACCEPTED;
import static io.odyssey.codecs.CommandState.CANCELLED;
import static io.odyssey.codecs.CommandState.COMPLETED;
import static io.odyssey.codecs.CommandState.EXPIRED;
import static io.odyssey.codecs.CommandState.FAILED;
import static io.odyssey.codecs.CommandState.IN_PROGRESS;
import static io.odyssey.codecs.CommandState.ISSUED;
import static io.odyssey.codecs.CommandState.REJECTED;
import static io.odyssey.codecs.CommandState.SENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DroneAnswerTest
{
    private static final long T0 = 1_764_000_000_000_000_000L;
    private static final long DRONE = 42;
    /** No change: the answer is ignored (and counted as such by the relay). */
    private static final CommandState NONE = null;

    /**
     * The whole table: for every answer a drone can give about a ground command, the state a command in each state
     * ends up in ({@link #NONE}: unchanged). Rows are answers, columns the current state in declaration order:
     * ISSUED, SENT, ACCEPTED, REJECTED, IN_PROGRESS, COMPLETED, FAILED, EXPIRED, CANCELLED.
     */
    private static final Map<CommandPhase, CommandState[]> TABLE = new EnumMap<>(CommandPhase.class);

    static
    {
        TABLE.put(CommandPhase.ACCEPTED,
            new CommandState[] {ACCEPTED, ACCEPTED, ACCEPTED, NONE, NONE, NONE, NONE, NONE, NONE});
        TABLE.put(CommandPhase.IN_PROGRESS,
            new CommandState[] {IN_PROGRESS, IN_PROGRESS, IN_PROGRESS, NONE, IN_PROGRESS, NONE, NONE, NONE, NONE});
        TABLE.put(CommandPhase.DONE,
            new CommandState[] {IN_PROGRESS, IN_PROGRESS, IN_PROGRESS, NONE, IN_PROGRESS, NONE, NONE, NONE, NONE});
        TABLE.put(CommandPhase.REJECTED,
            new CommandState[] {REJECTED, REJECTED, NONE, NONE, NONE, NONE, NONE, NONE, NONE});
        TABLE.put(CommandPhase.FAILED,
            new CommandState[] {FAILED, FAILED, FAILED, NONE, FAILED, NONE, NONE, NONE, NONE});
        TABLE.put(CommandPhase.CANCELLED,
            new CommandState[] {CANCELLED, CANCELLED, CANCELLED, NONE, CANCELLED, NONE, NONE, NONE, NONE});
    }

    private static CommandRecord issued()
    {
        return CommandRecord.issued(7, DRONE, CommandType.GOTO, CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN),
            "k", "ops", "127.0.0.1", T0, T0 + 60_000_000_000L);
    }

    /** A ground command in {@code state}, reached the way the ledger reaches it. */
    private static CommandRecord in(final CommandState state)
    {
        final CommandRecord sent = CommandUpdate.sent("ingest-1", T0 + 1).apply(issued());
        final CommandRecord accepted = CommandUpdate.progress(ACCEPTED, T0 + 2, 0f, -1, 52.5, 13.4, 60f).apply(sent);
        return switch (state)
        {
            case ISSUED -> issued();
            case SENT -> sent;
            case ACCEPTED -> accepted;
            case IN_PROGRESS -> CommandUpdate.progress(IN_PROGRESS, T0 + 3, 10f, 0, 52.5, 13.4, 60f).apply(accepted);
            case REJECTED, EXPIRED -> CommandUpdate.moveTo(state, T0 + 3, "before").apply(sent);
            case COMPLETED, FAILED, CANCELLED -> CommandUpdate.moveTo(state, T0 + 3, "before").apply(accepted);
        };
    }

    private static DroneAnswer answer(final long droneId, final CommandPhase phase)
    {
        return new DroneAnswer(droneId, 7, T0 + 10, phase, CommandReason.BATTERY_TOO_LOW, 50f, 1, CommandType.GOTO,
            52.6, 13.5, 70f);
    }

    private static CommandState after(final CommandPhase phase, final CommandState state)
    {
        final CommandRecord before = in(state);
        final CommandRecord after = answer(DRONE, phase).ledgerUpdate().apply(before);
        return after == null || after == before ? NONE : after.state();
    }

    @Test
    void shouldMapEveryAnswerInEveryStateAsTheTableSays()
    {
        final List<String> differences = new ArrayList<>();
        for (final Map.Entry<CommandPhase, CommandState[]> row : TABLE.entrySet())
        {
            for (final CommandState state : CommandState.values())
            {
                final CommandState expected = row.getValue()[state.ordinal()];
                final CommandState actual = after(row.getKey(), state);
                if (expected != actual)
                {
                    differences.add(row.getKey() + " in " + state + ": expected " + expected + ", got " + actual);
                }
            }
        }
        assertThat(differences).isEmpty();
        assertThat(TABLE.keySet()).as("every answer about a ground command has a row")
            .containsExactlyInAnyOrder(CommandPhase.ACCEPTED, CommandPhase.IN_PROGRESS, CommandPhase.DONE,
                CommandPhase.REJECTED, CommandPhase.FAILED, CommandPhase.CANCELLED);
    }

    @Test
    void shouldKeepTheDronesReasonWhenItEndsACommand()
    {
        for (final CommandPhase phase : List.of(CommandPhase.REJECTED, CommandPhase.FAILED, CommandPhase.CANCELLED))
        {
            final CommandRecord ended = answer(DRONE, phase).ledgerUpdate().apply(in(SENT));
            assertThat(ended.reason()).as(phase.name()).isEqualTo("battery too low");
        }
    }

    @Test
    void shouldRecordDoneAsTheDronesWordNotAsCompleted()
    {
        final CommandRecord done = answer(DRONE, CommandPhase.DONE).ledgerUpdate().apply(in(IN_PROGRESS));

        assertThat(done.state()).isEqualTo(IN_PROGRESS);
        assertThat(done.doneAtNanos()).isEqualTo(T0 + 10);
        assertThat(done.progress()).isEqualTo(100f);
        assertThat(done.targetLatitude()).isEqualTo(52.6);
        assertThat(answer(DRONE, CommandPhase.DONE).ledgerUpdate().apply(done)).as("said done twice").isNull();
    }

    @Test
    void shouldFillInAcceptedWhenTheFirstWordIsProgress()
    {
        final CommandRecord running = answer(DRONE, CommandPhase.IN_PROGRESS).ledgerUpdate().apply(in(SENT));

        assertThat(running.transitionStates()).containsExactly(ISSUED, SENT, ACCEPTED, IN_PROGRESS);
        assertThat(running.progress()).isEqualTo(50f);
        assertThat(running.waypointIndex()).isEqualTo(1);
    }

    @Test
    void shouldIgnoreAnAnswerAboutAnotherDronesCommand()
    {
        for (final CommandPhase phase : TABLE.keySet())
        {
            assertThat(answer(DRONE + 1, phase).ledgerUpdate().apply(in(SENT))).as(phase.name()).isNull();
        }
    }

    @Test
    void shouldRecordADronesOwnCommandAlreadyAcceptedWithoutExpiry()
    {
        final DroneAnswer started = new DroneAnswer(DRONE, -3, T0, CommandPhase.STARTED_BY_DRONE,
            CommandReason.BATTERY_TOO_LOW, 0f, -1, CommandType.RETURN_HOME, 52.5, 13.4, 0f);

        assertThat(started.ledgerUpdate()).as("not an update of a known command").isNull();
        final CommandRecord record = started.startedCommand(-99, "ingest-1");
        assertThat(record.transitionStates()).containsExactly(ISSUED, ACCEPTED);
        assertThat(record.expiresAtNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(record.issuedBy()).isEqualTo("drone");
        assertThat(record.parameters().droneCommandId()).isEqualTo(-3);
        assertThat(record.targetLatitude()).isEqualTo(52.5);
        assertThatThrownBy(() -> answer(DRONE, CommandPhase.ACCEPTED).startedCommand(-99, "ingest-1"))
            .isInstanceOf(IllegalStateException.class);
    }
}
