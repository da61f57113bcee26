-- Odyssey history schema, version 1: what every storage layout shares.
-- The telemetry table itself is created by V2 (Java), which chooses TimescaleDB or native partitioning.

-- PostGIS powers the geospatial history queries; without it (e.g. the embedded database) positions are kept as
-- plain latitude/longitude columns and those queries report that PostGIS is missing.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') THEN
        CREATE EXTENSION IF NOT EXISTS postgis;
    ELSE
        RAISE NOTICE 'PostGIS is not available: geospatial queries are disabled';
    END IF;
END
$$;

-- Flight phases as the drones report them (SBE enum DroneStatus); telemetry.status refers to these codes.
CREATE TABLE drone_status (
    code smallint PRIMARY KEY,
    name text NOT NULL UNIQUE
);
INSERT INTO drone_status (code, name) VALUES
    (0, 'GROUNDED'), (1, 'TAKING_OFF'), (2, 'CRUISING'), (3, 'HOVERING'), (4, 'LANDING'), (5, 'RETURNING'),
    (6, 'EMERGENCY');

-- How far each archiver has committed its journal: updated in the same transaction as the rows it wrote, which is
-- what makes archiving exactly-once across crashes and restarts.
CREATE TABLE archiver_position (
    name text PRIMARY KEY,
    journal_index bigint NOT NULL,
    rows_archived bigint NOT NULL DEFAULT 0,
    last_received_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
