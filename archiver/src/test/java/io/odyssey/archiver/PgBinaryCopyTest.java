package io.odyssey.archiver;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class PgBinaryCopyTest
{
    @Test
    void shouldWriteTheBinaryCopyFormatPostgresExpects()
    {
        final PgBinaryCopy copy = new PgBinaryCopy(16);
        final long epochNanos = Instant.parse("2000-01-01T00:00:01.000002Z").getEpochSecond() * 1_000_000_000L + 2_000;
        copy.begin().row(4).int8(-2).float4(1.5f).int2((short)7).timestampFromEpochNanos(epochNanos).end();

        final ByteBuffer bytes = ByteBuffer.wrap(Arrays.copyOf(copy.array(), copy.length()));
        final byte[] signature = new byte[11];
        bytes.get(signature);
        assertThat(signature).containsExactly('P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0);
        assertThat(bytes.getInt()).as("flags").isZero();
        assertThat(bytes.getInt()).as("header extension").isZero();
        assertThat(bytes.getShort()).as("fields").isEqualTo((short)4);
        assertThat(bytes.getInt()).isEqualTo(8);
        assertThat(bytes.getLong()).isEqualTo(-2);
        assertThat(bytes.getInt()).isEqualTo(4);
        assertThat(bytes.getFloat()).isEqualTo(1.5f);
        assertThat(bytes.getInt()).isEqualTo(2);
        assertThat(bytes.getShort()).isEqualTo((short)7);
        assertThat(bytes.getInt()).isEqualTo(8);
        assertThat(bytes.getLong()).as("microseconds since 2000-01-01").isEqualTo(1_000_002L);
        assertThat(bytes.getShort()).as("trailer").isEqualTo((short)-1);
        assertThat(bytes.remaining()).isZero();
    }

    @Test
    void shouldGrowAndStartOverOnBegin()
    {
        final PgBinaryCopy copy = new PgBinaryCopy(8);
        copy.begin();
        for (int i = 0; i < 10_000; i++)
        {
            copy.row(1).int8(i);
        }
        assertThat(copy.length()).isEqualTo(19 + 10_000 * (2 + 4 + 8));
        copy.begin();
        assertThat(copy.length()).isEqualTo(19);
    }
}
