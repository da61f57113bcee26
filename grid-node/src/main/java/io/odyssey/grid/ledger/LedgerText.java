package io.odyssey.grid.ledger;

import io.odyssey.runtime.SafeText;

/**
 * The ledger's last guard on text ({@link SafeText}): whatever wrote a command (a gateway, a relay, a drone's
 * answer, or anything else that reaches the grid), the ledger holds only text the archive can store and a log can
 * show. At the ledger, text is repaired rather than refused: refusing there would stall a relay on one bad value.
 * The REST API refuses such text outright, so this only ever changes what came another way.
 */
final class LedgerText
{
    /** An API key (128) plus "/" and a drone id: a multi-drone request keys each drone's command so. */
    static final int MAX_KEY = 160;
    static final int MAX_NAME = 128;
    static final int MAX_REASON = 1_000;

    private LedgerText()
    {
    }

    /** {@code text} made storable: the same instance when it was already. */
    static String field(final String text, final int maxCodePoints)
    {
        return SafeText.sanitised(text, maxCodePoints);
    }
}
