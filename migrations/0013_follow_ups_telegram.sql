-- Follow-ups and two-way Telegram triage. Times are unix milliseconds.

-- Telegram updates already handled, per workspace: Telegram redelivers an
-- update until it is answered, and anyone who saw one could replay it, so
-- each update_id changes something at most once. Pruned after two days
-- (Telegram keeps undelivered updates for 24 hours).
CREATE TABLE telegram_updates (
  workspace_id TEXT NOT NULL,
  update_id INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, update_id)
);
CREATE INDEX telegram_updates_by_age ON telegram_updates (received_at);

-- A follow-up: what to do about a lead at due_at. Fired by the queue (a
-- delayed message) or, beyond the queue's longest delay, by the cron sweeper;
-- firing is one D1 batch that flips status from 'scheduled' to 'sent' and
-- writes the reminder's event and outbox rows, so it happens once whatever
-- the queue redelivers.
CREATE TABLE follow_ups (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  -- scheduled | sent | cancelled
  status TEXT NOT NULL DEFAULT 'scheduled',
  -- JSON: {"type": "telegram", "template": "…"} or {"type": "webhook"}.
  action TEXT NOT NULL,
  cancel_on_status_change INTEGER NOT NULL DEFAULT 1,
  -- Who scheduled it: an API key id, 'telegram:<user>' (Snooze), 'workflow:<run id>'.
  created_by TEXT NOT NULL,
  -- 1 once a queue message (or the sweeper) has been asked to fire it.
  queued INTEGER NOT NULL DEFAULT 0,
  -- 1 while it is due but waits: the lead's campaign is paused (fired on resume).
  held INTEGER NOT NULL DEFAULT 0,
  sent_at INTEGER,
  -- The event a fired follow-up wrote (its reminder or lead.follow_up_due).
  event_id TEXT,
  cancelled_at INTEGER,
  cancel_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX follow_ups_by_lead ON follow_ups (workspace_id, lead_id, id);
CREATE INDEX follow_ups_due ON follow_ups (status, due_at);
