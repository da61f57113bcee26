-- Command-ledger transitions as the relaying ingest nodes journaled them: one row per (command, transition), each
-- carrying its command's issue details, so the archive rebuilds commands, their timelines and the audit trail from
-- this one table. A transition journaled twice (a node dying between the append and noting it) is kept once.
CREATE TABLE command_transitions (
    command_id bigint NOT NULL,
    seq bigint NOT NULL,                       -- 0 = issued, then each later state in order
    state text NOT NULL,
    time timestamptz NOT NULL,
    reason text,
    drone_id bigint NOT NULL,
    command_type text NOT NULL,
    params text,                               -- the request's parameters, JSON
    issued_by text,                            -- token name, or 'drone' for a drone's own failsafe
    issued_from text,                          -- client address (or the ingest node, for a drone's own command)
    issued_at timestamptz NOT NULL,
    expires_at timestamptz,
    idempotency_key text,
    node text,                                 -- the ingest node that journaled it
    source text NOT NULL,                      -- the archiver whose journal it came from
    journal_index bigint NOT NULL,
    PRIMARY KEY (command_id, seq)
);
CREATE INDEX command_transitions_drone_time ON command_transitions (drone_id, time);

-- One row per command with its latest known state.
CREATE VIEW commands AS
SELECT DISTINCT ON (command_id)
       command_id, drone_id, command_type, params::jsonb AS params, issued_by, issued_from, issued_at, expires_at,
       idempotency_key, state, time AS state_at, reason
FROM command_transitions
ORDER BY command_id, seq DESC;

-- The audit trail: who asked for what, from where, when, and what became of it (and how long that took).
CREATE VIEW command_audit AS
SELECT c.issued_at, c.issued_by, c.issued_from, c.drone_id, c.command_type, c.command_id, c.params,
       c.state AS outcome, c.reason, c.state_at AS outcome_at,
       (SELECT min(t.time) FROM command_transitions t
        WHERE t.command_id = c.command_id AND t.state IN ('accepted', 'rejected')) - c.issued_at AS time_to_ack,
       (SELECT min(t.time) FROM command_transitions t
        WHERE t.command_id = c.command_id AND t.state = 'completed') - c.issued_at AS time_to_effect
FROM commands c;
