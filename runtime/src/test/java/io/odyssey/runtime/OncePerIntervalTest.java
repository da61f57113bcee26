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
        assertThat(gate.due(Long.MAX_VALUE)).as("across the wrap of the clock").isTrue();
        assertThat(gate.due(Long.MIN_VALUE)).isFalse();
        assertThat(gate.due(Long.MIN_VALUE + 999)).isTrue();
    }
}
