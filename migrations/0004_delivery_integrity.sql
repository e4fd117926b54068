-- Delivery integrity: recovered events delivered in order, a cap on claims
-- that never record an outcome, and an index for recovering events by time.

-- 1 for deliveries created by a recover call for events the endpoint never
-- received: they go out one at a time in event (= id) order. Such a row
-- waits with next_attempt_at NULL until the one before it has finished.
ALTER TABLE deliveries ADD COLUMN in_order INTEGER NOT NULL DEFAULT 0;
-- Claims made since the last recorded attempt: a delivery that keeps being
-- claimed without an outcome (it cannot even be attempted) is given up on.
ALTER TABLE deliveries ADD COLUMN unrecorded_claims INTEGER NOT NULL DEFAULT 0;

-- The head of each endpoint's in-order line.
CREATE INDEX deliveries_in_order ON deliveries (workspace_id, target_id, id) WHERE in_order = 1 AND status = 'pending';
-- Recover scans a workspace's events from a time.
CREATE INDEX events_by_time ON events (workspace_id, created_at, id);
