-- Alert raises and clears as the ingest nodes' alert monitors journaled them (one row per journal entry).
CREATE TABLE alert_events (
    time timestamptz NOT NULL,                 -- data time: when the condition began or ended
    event text NOT NULL CHECK (event IN ('raised', 'cleared')),
    alert_type text NOT NULL,
    drone_id bigint NOT NULL,
    other_drone_id bigint,                     -- the second drone of a loss of separation
    telemetry_index bigint NOT NULL,           -- the telemetry journal entry that caused it
    value double precision,                    -- battery %, seconds, metres, m/s; NULL for a geofence breach
    source text NOT NULL,                      -- the archiver (one per ingest node) whose journal it came from
    journal_index bigint NOT NULL,             -- its index in that node's alert journal
    UNIQUE (source, journal_index)             -- the second guard of exactly-once
);
CREATE INDEX alert_events_drone_time ON alert_events (drone_id, time);

-- Each raise with the clear that followed it (cleared_at NULL while still active).
CREATE VIEW alerts AS
SELECT r.alert_type, r.drone_id, r.other_drone_id, r.time AS raised_at, c.time AS cleared_at, r.value,
       r.telemetry_index AS raised_by, c.telemetry_index AS cleared_by, r.source
FROM alert_events r
LEFT JOIN LATERAL (
    SELECT e.time, e.telemetry_index FROM alert_events e
    WHERE e.event = 'cleared' AND e.source = r.source AND e.alert_type = r.alert_type AND e.drone_id = r.drone_id
      AND e.other_drone_id IS NOT DISTINCT FROM r.other_drone_id AND e.journal_index > r.journal_index
    ORDER BY e.journal_index LIMIT 1) c ON true
WHERE r.event = 'raised';
