package io.odyssey.grid;

import io.odyssey.codecs.CommandState;
import io.odyssey.grid.ledger.CommandUpdate;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The member's entry processors meet a stored value they cannot read (written by something else) and answer "nothing
 * done" instead of throwing: thrown, it fails a whole {@code executeOnEntries} sweep for one record and logs an ERROR
 * per call. The counting through the member's user context is covered against a real member in {@code CommandLedgerIT}.
 */
class UnreadableStoredValueTest
{
    @Test
    void shouldLeaveAnUnreadableStoredValueAloneInEveryEntryProcessor()
    {
        assertThat(new RemoveSilentDrone(Long.MAX_VALUE).process(unreadable(7L))).isFalse();
        assertThat(new RemoveUnchangedDrones(new long[]{7}, new long[]{1}, new long[]{1}).process(unreadable(7L)))
            .isFalse();
        assertThat(new RemoveAlertIfFromNode("ingest-1").process(unreadable("SEPARATION:7:8"))).isFalse();
        assertThat(CommandUpdate.moveTo(CommandState.FAILED, 1L, "lost contact").process(unreadable(9L))).isNull();
    }

    /**
     * A value of another class (a grid client's String, or a Compact type of another name read as a GenericRecord)
     * threw a ClassCastException in the processor: the whole sweep's call failed, and its later batches never ran.
     */
    @Test
    void shouldLeaveAStoredValueOfAnotherClassAloneInEveryEntryProcessor()
    {
        assertThat(new RemoveSilentDrone(Long.MAX_VALUE).process(foreign(7L))).isFalse();
        assertThat(new RemoveUnchangedDrones(new long[]{7}, new long[]{1}, new long[]{1}).process(foreign(7L)))
            .isFalse();
        assertThat(new RemoveAlertIfFromNode("ingest-1").process(foreign("SEPARATION:7:8"))).isFalse();
        assertThat(CommandUpdate.moveTo(CommandState.FAILED, 1L, "lost contact").process(foreign(9L))).isNull();
    }

    /** An entry whose stored value is a String, whatever the map's type says, and which fails the test if written. */
    @SuppressWarnings("unchecked")
    private static <K, V> Map.Entry<K, V> foreign(final K key)
    {
        return new Map.Entry<>()
        {
            public K getKey()
            {
                return key;
            }

            public V getValue()
            {
                return (V)"io.odyssey.grid.RemoveUnchangedDrones";
            }

            public V setValue(final V value)
            {
                throw new AssertionError("wrote over a record of another class");
            }
        };
    }

    /** An entry whose stored value cannot be read, and which fails the test if anything writes to it. */
    private static <K, V> Map.Entry<K, V> unreadable(final K key)
    {
        return new Map.Entry<>()
        {
            public K getKey()
            {
                return key;
            }

            public V getValue()
            {
                throw new UnreadableRecordException("test", "planted");
            }

            public V setValue(final V value)
            {
                throw new AssertionError("wrote over a record it could not read");
            }
        };
    }
}
