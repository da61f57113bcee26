package io.odyssey.gateway;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.odyssey.gateway.MemberSequences.Verdict.FIRST;
import static io.odyssey.gateway.MemberSequences.Verdict.GAP;
import static io.odyssey.gateway.MemberSequences.Verdict.NEXT;
import static org.assertj.core.api.Assertions.assertThat;

/** Whether the gateway heard every fleet message of a member: the verdicts that decide a reload. */
class MemberSequencesTest
{
    private final MemberSequences sequences = new MemberSequences();
    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();

    @Test
    void shouldTellTheFirstMessageTheNextAndAGapPerMember()
    {
        assertThat(sequences.accept(a, 17)).as("what a member sent before is unknown").isEqualTo(FIRST);
        assertThat(sequences.accept(a, 18)).isEqualTo(NEXT);
        assertThat(sequences.accept(b, 1)).isEqualTo(FIRST);
        assertThat(sequences.accept(a, 20)).as("19 was lost").isEqualTo(GAP);
        assertThat(sequences.accept(a, 21)).as("counted from the last heard").isEqualTo(NEXT);
        assertThat(sequences.accept(a, 21)).as("a repeat").isEqualTo(GAP);
        assertThat(sequences.accept(b, 2)).isEqualTo(NEXT);
    }

    @Test
    void shouldForgetAMemberThatLeftAndHoldAtMostTheBoundForgettingTheOneSilentLongest()
    {
        sequences.accept(a, 1);
        sequences.forget(a);
        assertThat(sequences.accept(a, 2)).isEqualTo(FIRST);
        sequences.clear();
        final UUID silent = UUID.randomUUID();
        assertThat(sequences.accept(silent, 1)).isEqualTo(FIRST);
        assertThat(sequences.accept(a, 1)).isEqualTo(FIRST);
        for (int i = 0; i < 10 * MemberSequences.MAX_MEMBERS; i++)
        {
            // Ids heard once (forged, or members long gone) must not crowd out a member that keeps talking.
            assertThat(sequences.accept(UUID.randomUUID(), 1)).isEqualTo(FIRST);
            assertThat(sequences.accept(a, i + 2)).as("the member heard all along").isEqualTo(NEXT);
        }
        assertThat(sequences.size()).isEqualTo(MemberSequences.MAX_MEMBERS);
        assertThat(sequences.accept(silent, 2)).as("the silent one was forgotten: a first message again").isEqualTo(FIRST);
    }
}
