package io.odyssey.grid;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryEventType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The member's batcher on its own (flushed by hand, no thread, no grid): what a gateway reads from its messages.
 */
class FleetChangeBatcherTest
{
    private static final UUID MEMBER = UUID.randomUUID();
    private final List<byte[]> sent = new ArrayList<>();
    private final List<Object> unreadable = new ArrayList<>();

    private FleetChangeBatcher batcher(final int maxDrones)
    {
        return new FleetChangeBatcher(MEMBER, sent::add, 10, maxDrones, unreadable::add);
    }

    static DroneState state(final long drone, final long sequence)
    {
        return new DroneState(drone, sequence, 1_000 + sequence, 2_000, 3_000, 52.5 + drone * 1e-3, 13.4, 100f, 90f,
            12f, -0.5f, 80f, "CRUISING", 8, "ingest-1");
    }

    private List<Object> read(final int message, final FleetChangeBatch.Reader reader)
    {
        final List<Object> changes = new ArrayList<>();
        assertThat(reader.read(sent.get(message), changes)).as("rejected").isNull();
        return changes;
    }

    @Test
    void shouldSendNothingWhenNothingChanged()
    {
        final FleetChangeBatcher batcher = batcher(100);
        assertThat(batcher.flush()).isZero();
        assertThat(sent).isEmpty();
        assertThat(batcher.batchSequence()).isZero();
    }

    @Test
    void shouldSendEachChangedDronesNewestStateOnceInOneMessage()
    {
        final FleetChangeBatcher batcher = batcher(100);
        batcher.offer(1, state(1, 5));
        batcher.offer(2, state(2, 3));
        batcher.offer(1, state(1, 6));
        batcher.offer(1, state(1, 7));

        assertThat(batcher.flush()).isEqualTo(1);
        final FleetChangeBatch.Reader reader = new FleetChangeBatch.Reader();
        final List<Object> changes = read(0, reader);
        assertThat(changes).containsExactlyInAnyOrder(state(1, 7), state(2, 3));
        assertThat(reader.member()).isEqualTo(MEMBER);
        assertThat(reader.batchSequence()).isEqualTo(1);
        assertThat(reader.flags()).isZero();
        assertThat(batcher.conflated()).as("two older states of drone 1 replaced").isEqualTo(2);
        assertThat(batcher.changes()).isEqualTo(4);
        assertThat(batcher.dronesSent()).isEqualTo(2);

        assertThat(batcher.flush()).as("all sent").isZero();
        batcher.offer(2, state(2, 4));
        batcher.flush();
        assertThat(read(1, reader)).containsExactly(state(2, 4));
        assertThat(reader.batchSequence()).as("the member's messages are numbered 1, 2, ...").isEqualTo(2);
    }

    @Test
    void shouldSendARemovalAsATombstoneThatReplacesTheDronesStateAndIsReplacedByALaterOne()
    {
        final FleetChangeBatcher batcher = batcher(100);
        batcher.offer(1, state(1, 5));
        batcher.offer(1, new FleetChangeBatch.Gone(1, 5));
        batcher.offer(2, new FleetChangeBatch.Gone(2, Long.MAX_VALUE));
        batcher.offer(3, new FleetChangeBatch.Gone(3, 9));
        batcher.offer(3, state(3, 1));
        batcher.flush();

        assertThat(read(0, new FleetChangeBatch.Reader())).containsExactlyInAnyOrder(
            new FleetChangeBatch.Gone(1, 5), new FleetChangeBatch.Gone(2, Long.MAX_VALUE),
            state(3, 1));   // the map's order: drone 3 came back (its ingest restarted) after it was removed
    }

    /**
     * A grid client filed drone 3's state under drone 2's key: sent on as it was, every gateway moved drone 3 to it (at
     * a sequence no real state reaches, for good) and kept drone 2 at its last real state.
     */
    @Test
    void shouldSendAStateFiledUnderAnotherDronesKeyAsThatKeysDroneLeaving()
    {
        final FleetChangeBatcher batcher = batcher(100);
        batcher.entryUpdated(new EntryEvent<>("fleet", null, EntryEventType.UPDATED.getType(), 2L, state(3, 1L << 40)));
        batcher.entryUpdated(new EntryEvent<>("fleet", null, EntryEventType.UPDATED.getType(), 4L, state(4, 9)));
        batcher.flush();
        assertThat(read(0, new FleetChangeBatch.Reader()))
            .containsExactlyInAnyOrder(new FleetChangeBatch.Gone(2, Long.MAX_VALUE), state(4, 9));
        assertThat(batcher.misfiled()).isOne();
    }

    @Test
    void shouldRefuseNewDronesWhenFullCountThemAndFlagTheNextMessage()
    {
        final FleetChangeBatcher batcher = batcher(2);
        batcher.offer(1, state(1, 1));
        batcher.offer(2, state(2, 1));
        batcher.offer(3, state(3, 1));
        batcher.offer(2, state(2, 2));

        assertThat(batcher.refused()).isEqualTo(1);
        assertThat(batcher.waiting()).isEqualTo(2);
        batcher.flush();
        final FleetChangeBatch.Reader reader = new FleetChangeBatch.Reader();
        assertThat(read(0, reader)).containsExactlyInAnyOrder(state(1, 1), state(2, 2));
        assertThat(reader.flags()).as("the gateways must reload").isEqualTo(FleetChangeBatch.FLAG_CHANGES_LOST);

        batcher.offer(3, state(3, 2));
        batcher.flush();
        assertThat(read(1, reader)).containsExactly(state(3, 2));
        assertThat(reader.flags()).as("only the message after the loss").isZero();
    }

    @Test
    void shouldSplitMoreChangesThanOneMessageHoldsIntoMessagesWithConsecutiveSequences()
    {
        final FleetChangeBatcher batcher = batcher(10_000);
        final int drones = FleetChangeBatch.MAX_RECORDS * 2;   // exactly two full messages: no empty third one
        for (int drone = 1; drone <= drones; drone++)
        {
            batcher.offer(drone, state(drone, 1));
        }
        assertThat(batcher.flush()).isEqualTo(2);
        final FleetChangeBatch.Reader reader = new FleetChangeBatch.Reader();
        final List<Object> all = new ArrayList<>(read(0, reader));
        assertThat(reader.batchSequence()).isEqualTo(1);
        all.addAll(read(1, reader));
        assertThat(reader.batchSequence()).isEqualTo(2);
        assertThat(all).hasSize(drones).doesNotHaveDuplicates();
        assertThat(batcher.batchSequence()).as("no sequence spent on a message not sent").isEqualTo(2);

        batcher.offer(1, state(1, 2));
        batcher.flush();
        read(2, reader);
        assertThat(reader.batchSequence()).isEqualTo(3);
    }

    @Test
    void shouldSpendTheSequenceOfAMessageThatCouldNotBePublishedSoGatewaysSeeTheGap()
    {
        final List<byte[]> delivered = new ArrayList<>();
        final boolean[] fail = {true};
        final FleetChangeBatcher batcher = new FleetChangeBatcher(MEMBER, bytes ->
        {
            if (fail[0])
            {
                throw new IllegalStateException("member shutting down");
            }
            delivered.add(bytes);
        }, 10, 100, unreadable::add);
        batcher.offer(1, state(1, 1));
        batcher.flush();
        assertThat(batcher.publishFailures()).isEqualTo(1);
        fail[0] = false;
        batcher.offer(1, state(1, 2));
        batcher.flush();
        final FleetChangeBatch.Reader reader = new FleetChangeBatch.Reader();
        assertThat(reader.read(delivered.get(0), new ArrayList<>())).isNull();
        assertThat(reader.batchSequence()).isEqualTo(2);
    }

    @Test
    void shouldKeepTextsAndNullsAndNonAsciiNames()
    {
        final FleetChangeBatcher batcher = batcher(100);
        final DroneState nulls = new DroneState(4, 1, 1, 2, 3, -90, 180, -1_000f, 0f, 0f, 0f, 0f, null, 0, null);
        final DroneState unicode = new DroneState(5, 1, 1, 2, 3, 90, -180, 100f, 359.9f, 200f, 1f, 100f, "LANDED", -1,
            "nœud-Zürich-東京");
        batcher.offer(4, nulls);
        batcher.offer(5, unicode);
        batcher.flush();
        final FleetChangeBatch.Reader reader = new FleetChangeBatch.Reader();
        assertThat(read(0, reader)).containsExactlyInAnyOrder(nulls, unicode);
        // The reader hands out the same String for the same name: no allocation per record for texts.
        final List<Object> again = new ArrayList<>();
        batcher.offer(5, unicode);
        batcher.flush();
        assertThat(reader.read(sent.get(1), again)).isNull();
        final List<Object> first = new ArrayList<>();
        assertThat(reader.read(sent.get(0), first)).isNull();
        final DroneState a = (DroneState)again.get(0);
        final DroneState b = (DroneState)first.stream().filter(o -> ((DroneState)o).droneId() == 5).findFirst().orElseThrow();
        assertThat(a.ingestNode()).isSameAs(b.ingestNode());
    }
}
