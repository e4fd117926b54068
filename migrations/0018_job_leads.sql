-- Every outbox job names the lead it concerns, so the delivery log can be
-- filtered by lead and erasure can find every job that touched one.
--
-- The lead is the one of the job's event. One trigger fills it for every
-- writer (capture, lead changes, runs, follow-ups, recovery, and anything
-- added later) instead of each INSERT repeating the lookup; a writer whose
-- job exists before its event (or concerns no event) sets lead_id itself.
ALTER TABLE deliveries ADD COLUMN lead_id TEXT;

CREATE TRIGGER deliveries_lead_after_insert AFTER INSERT ON deliveries
WHEN NEW.lead_id IS NULL
BEGIN
  UPDATE deliveries SET lead_id = (SELECT e.lead_id FROM events e WHERE e.id = NEW.event_id AND e.workspace_id = NEW.workspace_id)
  WHERE id = NEW.id;
END;

-- Jobs written before this migration.
UPDATE deliveries SET lead_id = (SELECT e.lead_id FROM events e WHERE e.id = deliveries.event_id AND e.workspace_id = deliveries.workspace_id)
WHERE lead_id IS NULL;

CREATE INDEX deliveries_by_lead ON deliveries (workspace_id, lead_id, id);
-- The delivery log of a whole workspace, newest first.
CREATE INDEX deliveries_by_workspace ON deliveries (workspace_id, id);
