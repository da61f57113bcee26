package io.odyssey.grid.ledger;

import org.junit.jupiter.api.Test;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;

import static org.assertj.core.api.Assertions.assertThat;

class CommandUpdateTest
{
    private static final long T0 = 1_764_000_000_000_000_000L;

    private static CommandRecord issued()
    {
        return CommandRecord.issued(7, 42, CommandType.GOTO, CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN),
            "k", "ops", "127.0.0.1", T0, T0 + 60_000_000_000L);
    }

    @Test
    void shouldRecordTheStatesInOrderWithTheirTimes()
    {
        CommandRecord command = issued();
        command = CommandUpdate.sent("ingest-1", T0 + 1).apply(command);
        command = CommandUpdate.progress(CommandState.ACCEPTED, T0 + 2, 0f, -1, 52.5, 13.4, 60f).apply(command);
        command = CommandUpdate.progress(CommandState.IN_PROGRESS, T0 + 3, 40f, -1, Double.NaN, Double.NaN, Float.NaN).apply(command);
        command = CommandUpdate.doneReported(T0 + 4, 52.5, 13.4, 60f).apply(command);
        command = CommandUpdate.moveTo(CommandState.COMPLETED, T0 + 5, null).apply(command);

        assertThat(command.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT,
            CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.COMPLETED);
        assertThat(command.transitionAtNanos()).containsExactly(T0, T0 + 1, T0 + 2, T0 + 3, T0 + 5);
        assertThat(command.progress()).isEqualTo(100f);
        assertThat(command.node()).isEqualTo("ingest-1");
        assertThat(command.targetLatitude()).isEqualTo(52.5);
        assertThat(command.doneAtNanos()).isEqualTo(T0 + 4);
        assertThat(command.active()).isFalse();
    }

    @Test
    void shouldNeverLeaveAFinalState()
    {
        final CommandRecord expired = CommandUpdate.moveTo(CommandState.EXPIRED, T0 + 9, "late").apply(issued());
        assertThat(expired.state()).isEqualTo(CommandState.EXPIRED);

        assertThat(CommandUpdate.progress(CommandState.ACCEPTED, T0 + 10, 0f, -1, 1, 2, 3f).apply(expired)).isNull();
        assertThat(CommandUpdate.moveTo(CommandState.COMPLETED, T0 + 10, null).apply(expired)).isNull();
        assertThat(CommandUpdate.sent("ingest-2", T0 + 10).apply(expired)).isNull();
        assertThat(CommandUpdate.doneReported(T0 + 10, 1, 2, 3f).apply(expired)).isNull();
    }

    @Test
    void shouldNotExpireOrGoBackOnceTheDroneAnswered()
    {
        final CommandRecord accepted = CommandUpdate.progress(CommandState.ACCEPTED, T0 + 2, 0f, -1, 1, 2, 3f)
            .apply(CommandUpdate.sent("ingest-1", T0 + 1).apply(issued()));

        assertThat(CommandUpdate.moveTo(CommandState.EXPIRED, T0 + 3, "late").apply(accepted)).isNull();
        assertThat(CommandUpdate.sent("ingest-1", T0 + 3).apply(accepted)).isNull();
        final CommandRecord inProgress = CommandUpdate.progress(CommandState.IN_PROGRESS, T0 + 4, 10f, 1, 1, 2, 3f)
            .apply(accepted);
        assertThat(CommandUpdate.progress(CommandState.ACCEPTED, T0 + 5, 0f, -1, 1, 2, 3f).apply(inProgress))
            .as("a late ACCEPTED after progress").isNull();
    }

    @Test
    void shouldCountResendsWithoutANewTransition()
    {
        CommandRecord command = CommandUpdate.sent("ingest-1", T0 + 1).apply(issued());
        command = CommandUpdate.sent("ingest-2", T0 + 2).apply(command);

        assertThat(command.attempts()).isEqualTo(2);
        assertThat(command.node()).isEqualTo("ingest-2");
        assertThat(command.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT);
    }

    @Test
    void shouldFillInAcceptedWhenTheDronesFirstWordIsProgress()
    {
        final CommandRecord command = CommandUpdate.progress(CommandState.IN_PROGRESS, T0 + 3, 5f, 0, 1, 2, 3f)
            .apply(CommandUpdate.sent("ingest-1", T0 + 1).apply(issued()));

        assertThat(command.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT,
            CommandState.ACCEPTED, CommandState.IN_PROGRESS);
    }

    @Test
    void shouldKeepProgressFromGoingBackwards()
    {
        CommandRecord command = CommandUpdate.progress(CommandState.IN_PROGRESS, T0 + 3, 50f, 1, 1, 2, 3f)
            .apply(CommandUpdate.sent("ingest-1", T0 + 1).apply(issued()));
        command = CommandUpdate.progress(CommandState.IN_PROGRESS, T0 + 4, 30f, 1, 1, 2, 3f).apply(command);

        assertThat(command.progress()).isEqualTo(50f);
    }

    @Test
    void shouldApplyADronesWordOnlyToThatDronesCommands()
    {
        final CommandRecord sent = CommandUpdate.sent("ingest-1", T0 + 1).apply(issued());

        assertThat(CommandUpdate.moveTo(CommandState.CANCELLED, T0 + 2, "spoofed").fromDrone(43).apply(sent))
            .as("drone 43 answering drone 42's command").isNull();
        assertThat(CommandUpdate.progress(CommandState.ACCEPTED, T0 + 2, 0f, -1, 1, 2, 3f).fromDrone(42).apply(sent)
            .state()).isEqualTo(CommandState.ACCEPTED);
    }
}
