package io.odyssey.grid.ledger;

import org.junit.jupiter.api.Test;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class CommandAuthorityTest
{
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final byte[] KEY = key(7);
    private final CommandAuthority authority = new CommandAuthority(KEY);

    private static byte[] key(final int fill)
    {
        final byte[] key = new byte[32];
        Arrays.fill(key, (byte)fill);
        return key;
    }

    private static CommandRecord goTo(final long drone, final double lat, final double lon)
    {
        return CommandRecord.issued(
            714, drone, CommandType.GOTO, CommandParameters.goTo(lat, lon, Double.NaN, Double.NaN),
            "k", "ops", "127.0.0.1", T0, T0 + 60_000_000_000L);
    }

    @Test
    void shouldVerifyWhatItAuthorisedAsItMovesThroughItsStates()
    {
        final CommandRecord authorised = authority.authorise(goTo(42, 52.5, 13.4));

        assertThat(authorised.authorisation()).hasSize(64);
        assertThat(authority.verifies(authorised)).isTrue();
        // The relays change state, delivery and progress: none of that is an order, so the seal still holds.
        final CommandRecord sent = CommandUpdate.sent("ingest-1", T0 + 1).apply(authorised);
        assertThat(sent.state()).isEqualTo(CommandState.SENT);
        assertThat(authority.verifies(sent)).isTrue();
    }

    @Test
    void shouldRefuseARecordWithoutASealOrWithOneForAnotherOrder()
    {
        final CommandRecord authorised = authority.authorise(goTo(42, 52.5, 13.4));

        assertThat(authority.verifies(goTo(42, 52.5, 13.4))).as("no seal").isFalse();
        assertThat(authority.verifies(goTo(43, 52.5, 13.4).withAuthorisation(authorised.authorisation())))
            .as("the seal moved to another drone").isFalse();
        assertThat(authority.verifies(goTo(42, 0.0, 0.0).withAuthorisation(authorised.authorisation())))
            .as("the seal moved to other parameters").isFalse();
        assertThat(authority.verifies(goTo(42, 52.5, 13.4).withAuthorisation("zz".repeat(32))))
            .as("not hex").isFalse();
        assertThat(new CommandAuthority(key(8)).verifies(authorised)).as("another fleet's key").isFalse();
    }

    @Test
    void shouldSealARecordRefusedBeforeItWasSentAsARefusalThatNeverVerifiesAsAnOrder()
    {
        final CommandRecord refused = authority.authorise(goTo(42, 52.5, 13.4).rejectedBeforeSending(T0 + 1,
            "the path crosses the keep-out geofence 'stadium'"));

        assertThat(authority.authentic(refused)).as("genuine history").isTrue();
        assertThat(authority.verifies(refused)).as("no order").isFalse();
        // Copied back as a new order, seal and all: still no order.
        final CommandRecord revived = goTo(42, 52.5, 13.4).withAuthorisation(refused.authorisation());
        assertThat(authority.verifies(revived)).isFalse();
        assertThat(authority.authentic(goTo(42, 52.5, 13.4))).as("no seal at all").isFalse();
        assertThat(authority.authentic(authority.authorise(goTo(42, 52.5, 13.4)))).as("an order is history too").isTrue();
    }
}
