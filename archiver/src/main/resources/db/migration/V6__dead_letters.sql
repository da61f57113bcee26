-- Journal entries an archiver could not store (poison entries): kept here with why, so that one bad entry never stops
-- the archive and nothing is thrown away. Written in the same transaction as the archiver's position (exactly once);
-- the key is the second guard, as for the other tables. The bytes are the journal entry as written (JournalLayout), so
-- an entry can be examined, repaired and fed again.
CREATE TABLE dead_letters (
    source text NOT NULL,                      -- the archiver (one per ingest node) whose journal it came from
    queue text NOT NULL,                       -- the journal: telemetry, alerts, commands
    journal_index bigint NOT NULL,             -- its index in that journal
    entry bytea NOT NULL,                      -- the entry's bytes as journaled
    reason text NOT NULL,                      -- unreadable, invalid_text, out_of_range, invalid_json, refused_by_database
    cause text NOT NULL,                       -- the check that failed, or the database's error (at most 1,000 characters)
    dead_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, queue, journal_index)
);
