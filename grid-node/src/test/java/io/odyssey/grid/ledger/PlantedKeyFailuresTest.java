package io.odyssey.grid.ledger;

import com.hazelcast.nio.serialization.HazelcastSerializationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failures of a query over a drone's records the ledger counts and skips as planted by a grid client, and which
 * it throws as its own faults. The first cut skipped only a missing class this process could not load either, so a key
 * with a serializer type id the members lack, a Java-serialized key of a wrong version, a class the gateway has and
 * the members lack, or a name whose prefix loads ({@code java.lang.Object-x}) answered 500 again on every order.
 */
class PlantedKeyFailuresTest
{
    private static final String LEDGER = CommandLedger.class.getName();

    @Test
    void shouldTakeFailuresThatNameNoClassOfOursAsPlanted()
    {
        for (final Throwable planted : new Throwable[]{
            new HazelcastSerializationException("There is no suitable de-serializer for type 7777"),
            new HazelcastSerializationException("java.lang.ClassNotFoundException: java.lang.Object-x",
                new ClassNotFoundException("java.lang.Object-x")),
            new HazelcastSerializationException("java.io.InvalidClassException: com.example.Key; local class incompatible"),
            new HazelcastSerializationException("java.lang.ClassNotFoundException: " + LEDGER + "$KeyOrderX"),
            new HazelcastSerializationException("java.lang.ClassNotFoundException: io.odyssey.grid.ledger.Planted",
                new ClassNotFoundException("io.odyssey.grid.ledger.Planted")),
            // Names that END with one of ours (a grid client picks its key's class name): every order of the drone
            // past its bound answered 503 with a false "member cannot load KeyOrder".
            new HazelcastSerializationException("java.lang.ClassNotFoundException: x." + LEDGER + "$KeyOrder",
                new ClassNotFoundException("x." + LEDGER + "$KeyOrder")),
            new HazelcastSerializationException("java.lang.ClassNotFoundException: x" + LEDGER + "$NewestFirst"),
            new HazelcastSerializationException("java.lang.ClassNotFoundException: $" + LEDGER + "$UnderCommandIds"),
            new HazelcastSerializationException("wrapped", new NoClassDefFoundError(
                ("x/" + LEDGER + "$RemoveIfFinal").replace('.', '/'))),
            new HazelcastSerializationException("java.lang.ClassNotFoundException: x." + LEDGER + "$KeyOrderX")})
        {
            assertThat(CommandLedger.oursFailed(planted)).as(planted.getMessage()).isFalse();
        }
    }

    @Test
    void shouldThrowFailuresThatNameAClassOfOursThatRunsOnTheMembers()
    {
        for (final String ours : new String[]{"$KeyOrder", "$NewestFirst", "$RemoveIfFinal", "$UnderCommandIds"})
        {
            assertThat(CommandLedger.oursFailed(new HazelcastSerializationException("wrapped",
                new ClassNotFoundException(LEDGER + ours)))).as(ours).isTrue();
            assertThat(CommandLedger.oursFailed(new HazelcastSerializationException(
                "java.lang.ClassNotFoundException: " + LEDGER + ours + "\n\tat somewhere"))).as(ours).isTrue();
            assertThat(CommandLedger.oursFailed(new HazelcastSerializationException(
                "Failed to serialize '" + LEDGER + ours + "'"))).as(ours).isTrue();
            assertThat(CommandLedger.oursFailed(new HazelcastSerializationException(LEDGER + ours))).as(ours).isTrue();
            assertThat(CommandLedger.oursFailed(new HazelcastSerializationException(
                "x." + LEDGER + ours + " then java.lang.ClassNotFoundException: " + LEDGER + ours)))
                .as("ours named after a planted name: %s", ours).isTrue();
        }
    }
}
