package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OncePerIntervalTest
{
    @Test
    void shouldLetTheFirstGoAtOnceAndThenOnePerInterval()
    {
        final OncePerInterval gate = new OncePerInterval(1_000);
        assertThat(gate.due(-5_000)).as("a nanoTime below zero is a time like any other").isTrue();
        assertThat(gate.due(-4_001)).isFalse();
        assertThat(gate.due(-4_000)).isTrue();
        assertThat(gate.due(-3_500)).isFalse();

        final OncePerInterval nearTheWrap = new OncePerInterval(1_000);
        assertThat(nearTheWrap.due(Long.MAX_VALUE - 500)).isTrue();
        assertThat(nearTheWrap.due(Long.MIN_VALUE + 498)).as("999 ns later, across the wrap of the clock").isFalse();
        assertThat(nearTheWrap.due(Long.MIN_VALUE + 499)).as("1,000 ns later").isTrue();
    }
}
