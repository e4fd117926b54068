-- The data lifecycle: erasure records, a workspace's lead retention, and
-- the indexes the retention sweep and erasure need. Times are unix ms.

-- One row per erasure request, without personal data: who asked (an API key
-- id, or 'retention'), when, and how many leads it erased.
CREATE TABLE erasures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  leads_erased INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX erasures_by_workspace ON erasures (workspace_id, created_at);

-- Leads older than this many days are erased by the cron; NULL keeps them.
ALTER TABLE workspaces ADD COLUMN lead_retention_days INTEGER;

-- Erasure by email finds a person's leads whatever the case.
CREATE INDEX leads_by_email_nocase ON leads (workspace_id, email COLLATE NOCASE);
-- Erasure finds a lead's events and their deliveries.
CREATE INDEX events_by_lead ON events (workspace_id, lead_id);
-- Retention scans by age.
CREATE INDEX events_by_age ON events (created_at);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
CREATE INDEX delivery_attempts_by_age ON delivery_attempts (attempted_at);
CREATE INDEX leads_by_age ON leads (workspace_id, created_at);

-- Summaries: the workspace's IANA time zone and the local hour its digest
-- is sent at, and one row per digest sent, claimed before sending so a
-- period's digest goes out once even if the cron fires twice.
ALTER TABLE workspaces ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE workspaces ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 8;
CREATE TABLE digests (
  workspace_id TEXT NOT NULL,
  -- 'day' or 'week'
  period TEXT NOT NULL,
  -- The period's first local date, YYYY-MM-DD.
  date TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, period, date)
);
