package io.odyssey.grid.ledger;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class VerifiedHistoryTest
{
    @Test
    void shouldForgetTheDroneLeastRecentlyTrimmedBeyondItsCapacity()
    {
        final CommandLedger.VerifiedHistory verified = new CommandLedger.VerifiedHistory(2);
        verified.add(7, 1, 100);
        verified.add(8, 2, 200);
        assertThat(verified.ids(7)).containsExactly(1L);

        verified.add(9, 3, 300);

        assertThat(verified.drones()).isEqualTo(2);
        assertThat(verified.known(8, 2, 200L)).as("least recently trimmed").isFalse();
        assertThat(verified.known(7, 1, 100L)).isTrue();
        assertThat(verified.known(9, 3, 300L)).isTrue();
    }

    @Test
    void shouldKeepAtMostABoundAndABatchOfIdsADrone()
    {
        final CommandLedger.VerifiedHistory verified = new CommandLedger.VerifiedHistory(2);
        for (int id = 0; id < CommandLedger.VERIFIED_PER_DRONE + 10; id++)
        {
            verified.add(7, id, id);
        }

        assertThat(verified.ids(7)).hasSize(CommandLedger.VERIFIED_PER_DRONE);
    }

    /** A record a grid client wrote over a verified one, for another drone or dated otherwise, is read again. */
    @Test
    void shouldNotTakeARecordUnderAVerifiedIdForItWithAnotherDroneOrIssueTime()
    {
        final CommandLedger.VerifiedHistory verified = new CommandLedger.VerifiedHistory(10);
        verified.add(7, 1, 100);

        assertThat(verified.known(8, 1, 100L)).isFalse();
        assertThat(verified.known(7, 1, 101L)).isFalse();
        assertThat(verified.known(7, 1, "100")).as("a projected time of another type").isFalse();
        assertThat(verified.known(7, 1, null)).isFalse();

        verified.forget(7, 1L);
        assertThat(verified.known(7, 1, 100L)).as("evicted").isFalse();
    }

    /** Command ids first, by value; keys of any other type (a grid client's) after them, without failing the sort. */
    @Test
    void shouldOrderCommandIdsFirstAndAnyOtherKeyAfterThem()
    {
        final CommandLedger.KeyOrder order = new CommandLedger.KeyOrder();
        final Map.Entry<Object, Object> unreadable = new Map.Entry<>()
        {
            public Object getKey()
            {
                throw new com.hazelcast.nio.serialization.HazelcastSerializationException("unknown type");
            }

            public Object getValue()
            {
                return null;
            }

            public Object setValue(final Object value)
            {
                throw new UnsupportedOperationException();
            }
        };

        assertThat(order.compare(Map.entry(-5L, ""), Map.entry(3L, ""))).isNegative();
        assertThat(order.compare(Map.entry(3L, ""), Map.entry("text", ""))).isNegative();
        assertThat(order.compare(Map.entry("text", ""), Map.entry(3L, ""))).isPositive();
        assertThat(order.compare(unreadable, Map.entry(Long.MAX_VALUE, ""))).isPositive();
        assertThat(order.compare(unreadable, Map.entry("text", ""))).isZero();
    }

    /**
     * What a member without KeyOrder answers (CommandLedgerUpgradeIT runs one): the trim falls back on that, and on
     * nothing else (a record a query cannot read, the grid away are thrown as before).
     */
    @Test
    void shouldTellAMemberLackingKeyOrderFromAnyOtherFailure()
    {
        final String name = CommandLedger.KeyOrder.class.getName();
        assertThat(CommandLedger.KEY_ORDER_NAME).isEqualTo(name);
        final com.hazelcast.nio.serialization.HazelcastSerializationException asClientsGetIt =
            new com.hazelcast.nio.serialization.HazelcastSerializationException(new ClassNotFoundException(name));

        assertThat(CommandLedger.lacksKeyOrder(asClientsGetIt)).isTrue();
        assertThat(CommandLedger.lacksKeyOrder(new com.hazelcast.nio.serialization.HazelcastSerializationException(
            "java.lang.ClassNotFoundException: " + name))).as("the cause not carried over").isTrue();
        assertThat(CommandLedger.lacksKeyOrder(new NoClassDefFoundError(name.replace('.', '/')))).isTrue();
        assertThat(CommandLedger.lacksKeyOrder(new com.hazelcast.nio.serialization.HazelcastSerializationException(
            new ClassNotFoundException("com.example.Planted")))).as("another class: a planted record").isFalse();
        assertThat(CommandLedger.lacksKeyOrder(
            new com.hazelcast.core.HazelcastException("no member reachable"))).isFalse();
        // A key a grid client wrote naming a made-up class beside it is not an old member.
        assertThat(CommandLedger.lacksKeyOrder(new com.hazelcast.nio.serialization.HazelcastSerializationException(
            new ClassNotFoundException(name + "Z")))).as("a planted look-alike").isFalse();
        assertThat(CommandLedger.lacksKeyOrder(new com.hazelcast.nio.serialization.HazelcastSerializationException(
            "java.lang.ClassNotFoundException: " + name + "$Planted"))).as("a look-alike in a message").isFalse();
        // A planted class named after ours with characters no name has around it ("x ...$KeyOrder") passes this text
        // check; the ledger then probes the members (membersLack), which run KeyOrder: taken as planted
        // (CommandLedgerIT#shouldTakeAKeyNamedLikeAClassOfOursThatRunsOnTheMembersForAPlantedOne).
        assertThat(CommandLedger.lacksKeyOrder(new com.hazelcast.nio.serialization.HazelcastSerializationException(
            "java.lang.ClassNotFoundException: " + name + "\n\tat somewhere"))).as("a member's stack").isTrue();
    }
}
