package io.odyssey.gateway.control;

import java.util.LinkedHashSet;
import java.util.Iterator;

/**
 * The digests of created tokens this gateway saw deleted or expire, kept for as long as it runs: the grid cannot say
 * that a token was deleted (a grid client that kept a copy of its sealed record can put it back), but a gateway that
 * saw the deletion can. Bounded: past {@link #CAPACITY} the oldest is forgotten (its copy is then refused only once its
 * sealed expiry passes). Called from request threads and the grid client's event thread.
 */
final class RevokedTokens
{
    /** ~100 bytes a digest: about 1 MB at most. Ten thousand deleted tokens in one gateway's run is far past any use. */
    static final int CAPACITY = 10_000;

    private final int capacity;
    private final LinkedHashSet<String> digests = new LinkedHashSet<>();

    RevokedTokens(final int capacity)
    {
        this.capacity = capacity;
    }

    synchronized void add(final String digest)
    {
        if (digests.add(digest) && digests.size() > capacity)
        {
            final Iterator<String> oldest = digests.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    synchronized boolean contains(final String digest)
    {
        return digests.contains(digest);
    }
}
