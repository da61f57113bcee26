package io.odyssey.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The last fleet message sequence heard from each grid member, to tell whether a message was lost in between (a plain
 * topic drops messages when a member's event queue is full). Not thread-safe: the fleet feed calls it under its lock.
 * Bounded: a member is forgotten when it leaves the cluster, and at most {@link #MAX_MEMBERS} are held; past that the
 * one silent longest is forgotten (its next message is a first one again, which reloads the view), so ids that stop
 * being heard cannot keep a member that is heard out of the table.
 */
final class MemberSequences
{
    static final int MAX_MEMBERS = 1_024;

    enum Verdict
    {
        /** The member's next message: nothing lost. */
        NEXT,
        /** The first message heard from this member (or since it was forgotten): what it sent before is unknown. */
        FIRST,
        /** Not the next: messages were lost (or repeated). */
        GAP
    }

    /** In the order last heard, silent longest first (an access-ordered map: each message moves its member last). */
    private final Map<UUID, long[]> last = new LinkedHashMap<>(64, 0.75f, true)
    {
        protected boolean removeEldestEntry(final Map.Entry<UUID, long[]> eldest)
        {
            return size() > MAX_MEMBERS;
        }
    };

    Verdict accept(final UUID member, final long sequence)
    {
        final long[] held = last.get(member);
        if (held == null)
        {
            last.put(member, new long[] {sequence});
            return Verdict.FIRST;
        }
        final boolean next = sequence == held[0] + 1;
        held[0] = sequence;
        return next ? Verdict.NEXT : Verdict.GAP;
    }

    void forget(final UUID member)
    {
        last.remove(member);
    }

    void clear()
    {
        last.clear();
    }

    int size()
    {
        return last.size();
    }
}
