-- A drone heard by another ingest node is handed over, not lost: the old node clears its alerts and records this.
ALTER TABLE alert_events DROP CONSTRAINT alert_events_event_check;
ALTER TABLE alert_events ADD CONSTRAINT alert_events_event_check CHECK (event IN ('raised', 'cleared', 'handed_over'));
