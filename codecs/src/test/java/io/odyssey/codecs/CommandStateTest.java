package io.odyssey.codecs;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class CommandStateTest
{
    /** docs/api/openapi.yaml's CommandState, the dashboard and the CLI read these spellings. */
    @Test
    void shouldSpellTheStatesAsTheApiDocumentsThem()
    {
        assertThat(Arrays.stream(CommandState.values()).map(CommandState::wireName)).containsExactly(
            "issued", "sent", "accepted", "rejected", "in-progress", "completed", "failed", "expired", "cancelled");
    }

    @Test
    void shouldReadEveryWireNameBackAsItsState()
    {
        for (final CommandState state : CommandState.values())
        {
            assertThat(CommandState.fromWireName(state.wireName())).isEqualTo(state);
        }
    }

    @Test
    void shouldReadNoStateFromOtherText()
    {
        assertThat(CommandState.fromWireName("IN_PROGRESS")).isNull();
        assertThat(CommandState.fromWireName("paused")).isNull();
        assertThat(CommandState.fromWireName("")).isNull();
        assertThat(CommandState.fromWireName(null)).isNull();
    }

    @Test
    void shouldNeverLeaveAFinalState()
    {
        for (final CommandState from : CommandState.values())
        {
            if (from.isFinal())
            {
                assertThat(CommandState.values()).noneMatch(from::mayMoveTo);
            }
        }
        assertThat(Arrays.stream(CommandState.values()).filter(CommandState::isFinal)).containsExactly(
            CommandState.REJECTED, CommandState.COMPLETED, CommandState.FAILED, CommandState.EXPIRED,
            CommandState.CANCELLED);
    }
}
