package io.odyssey.grid.ledger;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the ledger remembers of the members' classes: an answer holds a minute, only while the members are those it was
 * probed on, and the answer of the later probe stays whichever finishes last.
 */
class ClassesOnMembersTest
{
    private static final String NAME = CommandLedger.UNDER_COMMAND_IDS_NAME;
    private static final long MINUTE = 60_000_000_000L;

    @Test
    void shouldForgetAnAnswerOnceTheMembersChange()
    {
        final CommandLedger.ClassesOnMembers classes = new CommandLedger.ClassesOnMembers(MINUTE);
        classes.found(NAME, true, 0, Set.of("a"));
        assertThat(classes.known(NAME, 1, () -> Set.of("a"))).as("same members").isTrue();
        // An older member joined (a rollback, a rescheduled pod): it may lack the class, so nothing is known.
        assertThat(classes.known(NAME, 1, () -> Set.of("a", "b"))).as("a member joined").isNull();
        assertThat(classes.remembersLacking(NAME, 1, () -> Set.of("a", "b"))).isFalse();
    }

    @Test
    void shouldKeepTheLaterProbesAnswerWhenAnEarlierOneFinishesLast()
    {
        final CommandLedger.ClassesOnMembers classes = new CommandLedger.ClassesOnMembers(MINUTE);
        classes.found(NAME, false, 10, Set.of("a"));
        // Started before the one above (before the member lacking it joined, say), finished after it.
        classes.found(NAME, true, 5, Set.of("a"));
        assertThat(classes.remembersLacking(NAME, 11, () -> Set.of("a"))).as("the later probe's answer").isTrue();
    }

    @Test
    void shouldForgetAnAnswerAfterAMinute()
    {
        final CommandLedger.ClassesOnMembers classes = new CommandLedger.ClassesOnMembers(MINUTE);
        classes.found(NAME, false, 0, Set.of("a"));
        assertThat(classes.remembersLacking(NAME, MINUTE - 1, () -> Set.of("a"))).isTrue();
        assertThat(classes.known(NAME, MINUTE, () -> Set.of("a"))).isNull();
    }
}
