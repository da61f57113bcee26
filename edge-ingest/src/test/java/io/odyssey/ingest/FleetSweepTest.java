package io.odyssey.ingest;

import com.hazelcast.nio.serialization.HazelcastSerializationException;
import io.odyssey.grid.RemoveUnchangedDrones;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When the sweep takes a failure for a member of the previous version lacking its processor (and falls back). */
class FleetSweepTest
{
    private static final String NAME = RemoveUnchangedDrones.class.getName();

    @Test
    void shouldTakeAMemberLackingTheProcessorForARollingUpgrade()
    {
        assertThat(FleetSweep.namesProcessor(new HazelcastSerializationException(new ClassNotFoundException(NAME))))
            .isTrue();
        assertThat(FleetSweep.namesProcessor(new HazelcastSerializationException("failed",
            new NoClassDefFoundError(NAME.replace('.', '/'))))).isTrue();
    }

    @Test
    void shouldNotTakeAnyOtherFailureForIt()
    {
        assertThat(FleetSweep.namesProcessor(new IllegalStateException("grid away"))).isFalse();
        assertThat(FleetSweep.namesProcessor(new HazelcastSerializationException(
            new ClassNotFoundException("x." + NAME)))).isFalse();
        assertThat(FleetSweep.namesProcessor(new HazelcastSerializationException(
            new ClassNotFoundException(NAME + "$Planted")))).isFalse();
    }
}
