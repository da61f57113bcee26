package io.odyssey.codecs;

import java.util.Locale;

/**
 * Where a command stands in the ledger: {@code issued → sent → accepted | rejected → in-progress → completed | failed |
 * expired | cancelled}. The rules of which state may follow which live here and only here, so the gateway, the
 * relaying ingest node and a racing second relay can never move a command backwards or out of a final state. Part of
 * the command contract: the ledger stores it, the API and the CLI speak its {@link #wireName() wire names}.
 */
public enum CommandState
{
    ISSUED, SENT, ACCEPTED, REJECTED, IN_PROGRESS, COMPLETED, FAILED, EXPIRED, CANCELLED;

    private static final CommandState[] VALUES = values();

    /** The contract's spelling: lower case, dashes ({@code in-progress}). */
    public String wireName()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The state with this wire name, or null for any other text (as {@link CommandType#fromWireName}): a caller
     * refuses it in its own words, or shows a state a newer gateway added as it is.
     */
    public static CommandState fromWireName(final String name)
    {
        for (final CommandState state : VALUES)
        {
            if (state.wireName().equals(name))
            {
                return state;
            }
        }
        return null;
    }

    public boolean isFinal()
    {
        return this == REJECTED || this == COMPLETED || this == FAILED || this == EXPIRED || this == CANCELLED;
    }

    /** Not yet answered by the drone: the only states in which a command may still expire or be (re)sent. */
    public boolean isUndelivered()
    {
        return this == ISSUED || this == SENT;
    }

    /**
     * Whether a command in this state may move to {@code next}. Staying in SENT (a resend) or IN_PROGRESS (more
     * progress) is allowed; the caller then records no new transition.
     */
    public boolean mayMoveTo(final CommandState next)
    {
        if (isFinal())
        {
            return false;
        }
        return switch (next)
        {
            case ISSUED -> false;
            case SENT -> isUndelivered();
            case ACCEPTED, REJECTED -> isUndelivered();
            case EXPIRED -> isUndelivered();
            case IN_PROGRESS, COMPLETED, FAILED, CANCELLED -> true;
        };
    }
}
