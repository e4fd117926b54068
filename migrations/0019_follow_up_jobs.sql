-- Follow-ups become jobs of the one outbox: each has a `deliveries` row
-- (target_kind 'follow_up', target_id the follow-up, id 'dlv_' || its id)
-- whose attempt fires it, retried, failed, dead-lettered and replayed like
-- any job. The follow-up row stays the record the API shows.
--
-- Until it fires, a follow-up's job has no event: its event_id (never NULL)
-- holds the follow-up's id, and becomes the id of the event the firing wrote.
--
-- Every scheduled follow-up gets its job: held ones held (a resume releases
-- them), the others pending, due at their time. updated_at is when the job's
-- wait was set: one that no queue message carries (queued = 0) gets 0, so the
-- sweeper's rule for waits set beyond the queue's reach hands it to the queue
-- as it comes due; one whose message is on the queue (queued = 1) keeps its
-- time, and that message (read as the job's first attempt) or, if it was
-- lost, the overdue sweep brings it.
INSERT OR IGNORE INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, lead_id, status, next_attempt_at, created_at, updated_at)
SELECT 'dlv_' || f.id, f.workspace_id, f.id,
       CASE WHEN NOT json_valid(f.action) THEN 'lead.follow_up_due'
            WHEN json_extract(f.action, '$.type') = 'telegram' THEN 'follow_up.reminder' ELSE 'lead.follow_up_due' END,
       'follow_up', f.id, f.lead_id,
       CASE WHEN f.held = 1 THEN 'held' ELSE 'pending' END,
       CASE WHEN f.held = 1 THEN NULL ELSE f.due_at END,
       f.created_at,
       CASE WHEN f.held = 0 AND f.queued = 0 THEN 0 ELSE f.updated_at END
FROM follow_ups f WHERE f.status = 'scheduled';

-- The jobs carry what the `queued` and `held` columns of follow_ups said;
-- those columns are no longer read or written (left in place: dropping a
-- column in SQLite rebuilds the table).
