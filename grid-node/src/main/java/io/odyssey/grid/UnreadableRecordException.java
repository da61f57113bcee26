package io.odyssey.grid;

import com.hazelcast.nio.serialization.HazelcastSerializationException;

/**
 * A record in the grid that a serializer of this version refuses to turn into an object: a name no version writes,
 * arrays that disagree, a number out of its range. Anything that reaches the grid can write such a record (a client of
 * another version, a bug, an attacker), so readers skip it per entry and count it; it never becomes a half object.
 * A {@link HazelcastSerializationException} so that Hazelcast passes it to the reader unwrapped, like its own
 * "no such field" for a truncated record, which readers catch the same way.
 */
public final class UnreadableRecordException extends HazelcastSerializationException
{
    public UnreadableRecordException(final String typeName, final String why)
    {
        super(typeName + " record unreadable: " + why);
    }
}
