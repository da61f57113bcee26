package io.odyssey.archiver;

/**
 * Why a journal entry went to the dead letters instead of its table: the {@code reason} label of
 * {@code odyssey_archiver_dead_letters_total} and the {@code reason} column of {@code dead_letters}. A small fixed set,
 * so the label stays bounded whatever the entries say; the detail goes to the {@code cause} column.
 */
enum DeadLetterReason
{
    /** Not an entry of this journal's layout (truncated, unknown type, not a frame, not JSON). */
    UNREADABLE("unreadable"),
    /** Text PostgreSQL cannot store: U+0000, invalid UTF-8, a lone surrogate. */
    INVALID_TEXT("invalid_text"),
    /** A number the column cannot hold, or that is not a number at all. */
    OUT_OF_RANGE("out_of_range"),
    /** A field that must be JSON (command parameters, cast to jsonb by the views) and is not, or not storable JSON. */
    INVALID_JSON("invalid_json"),
    /** The database refused the row with a data error nothing here predicted (found by splitting the batch). */
    REFUSED("refused_by_database");

    private final String label;

    DeadLetterReason(final String label)
    {
        this.label = label;
    }

    String label()
    {
        return label;
    }
}
