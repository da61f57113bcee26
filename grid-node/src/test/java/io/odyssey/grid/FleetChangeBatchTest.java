package io.odyssey.grid;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A gateway reading hostile or garbled fleet messages: each is rejected whole, with a reason, and nothing thrown. */
class FleetChangeBatchTest
{
    private final FleetChangeBatch.Reader reader = new FleetChangeBatch.Reader();
    private final List<Object> changes = new ArrayList<>();

    private static byte[] message(final DroneState... states)
    {
        final FleetChangeBatch.Writer writer = new FleetChangeBatch.Writer();
        writer.begin(UUID.randomUUID(), 1, 0);
        for (final DroneState state : states)
        {
            writer.state(state);
        }
        writer.gone(99, 4);
        return writer.toBytes();
    }

    private String read(final byte[] message)
    {
        changes.add("left over from before");
        final String rejected = reader.read(message, changes);
        if (rejected != null)
        {
            assertThat(changes).as("nothing of a rejected message").isEmpty();
        }
        return rejected;
    }

    @Test
    void shouldReadWhatWasWritten()
    {
        assertThat(read(message(FleetChangeBatcherTest.state(1, 2), FleetChangeBatcherTest.state(3, 4)))).isNull();
        assertThat(changes).containsExactly(FleetChangeBatcherTest.state(1, 2), FleetChangeBatcherTest.state(3, 4),
            new FleetChangeBatch.Gone(99, 4));
    }

    @Test
    void shouldRejectEveryTruncationOfAMessage()
    {
        final byte[] whole = message(FleetChangeBatcherTest.state(1, 2), FleetChangeBatcherTest.state(3, 4));
        for (int length = 0; length < whole.length; length++)
        {
            assertThat(read(Arrays.copyOf(whole, length))).as("cut to %d of %d bytes", length, whole.length).isNotNull();
        }
        assertThat(read(null)).isNotNull();
    }

    @Test
    void shouldRejectTrailingBytesUnknownMagicVersionKindAndCounts()
    {
        final byte[] whole = message(FleetChangeBatcherTest.state(1, 2));
        assertThat(read(Arrays.copyOf(whole, whole.length + 1))).contains("after the last record");

        final byte[] magic = whole.clone();
        magic[0] ^= 1;
        assertThat(read(magic)).contains("magic");

        final byte[] version = whole.clone();
        version[2] = 2;
        assertThat(read(version)).contains("version");

        final byte[] kind = whole.clone();
        kind[FleetChangeBatch.HEADER_LENGTH] = 7;
        assertThat(read(kind)).contains("kind");

        for (final int count : new int[] {-1, 0, 1, 3, FleetChangeBatch.MAX_RECORDS + 1, Integer.MAX_VALUE})
        {
            final byte[] counted = whole.clone();
            ByteBuffer.wrap(counted).order(ByteOrder.LITTLE_ENDIAN).putInt(4, count);
            assertThat(read(counted)).as("count %d for 2 records", count).isNotNull();
        }
    }

    @Test
    void shouldRejectTextLengthsBeyondTheMessage()
    {
        final byte[] whole = message(FleetChangeBatcherTest.state(1, 2));
        final int statusLengthAt = FleetChangeBatch.HEADER_LENGTH + 81;
        for (final int length : new int[] {0xFFFE, 2_000, 200})
        {
            final byte[] bad = whole.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putShort(statusLengthAt, (short)length);
            assertThat(read(bad)).as("status length %d", length).isNotNull();
        }
    }

    @Test
    void shouldRejectValuesNoDroneSends()
    {
        final DroneState good = FleetChangeBatcherTest.state(1, 2);
        for (final DroneState bad : new DroneState[] {
            new DroneState(1, 2, 0, 0, 0, Double.NaN, 13, 100f, 90f, 12f, 0f, 80f, "CRUISING", 0, "n"),
            new DroneState(1, 2, 0, 0, 0, 52, 13, 100f, 90f, 12f, 0f, 180f, "CRUISING", 0, "n"),
            new DroneState(-5, 2, 0, 0, 0, 52, 13, 100f, 90f, 12f, 0f, 80f, "CRUISING", 0, "n")})
        {
            assertThat(read(message(good, bad))).as("%s", bad).contains("no drone sends");
        }
    }
}
