-- Leads assigned to members. `assignee_id` is a member of the lead's
-- workspace or NULL; removing a member sets it back to NULL (in the same
-- batch as the DELETE). Indexed with the workspace for the `assignee` filter.
ALTER TABLE leads ADD COLUMN assignee_id TEXT;
CREATE INDEX leads_by_assignee ON leads (workspace_id, assignee_id, id);

-- Round robin: per workspace and role, the next slot to hand out. A slot is
-- taken with one atomic upsert, so concurrent runs never share one.
CREATE TABLE assignment_rotations (
  workspace_id TEXT NOT NULL,
  role TEXT NOT NULL,
  next_slot INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, role)
);

-- The slot each run's round-robin action took (`run_key`: run id and action
-- index): a retried action takes the same slot, never a second one.
CREATE TABLE assignment_picks (
  workspace_id TEXT NOT NULL,
  run_key TEXT NOT NULL,
  slot INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, run_key)
);

-- A member linked to a Telegram user, for the alert's "Take it" button.
ALTER TABLE members ADD COLUMN telegram_user_id INTEGER;
CREATE UNIQUE INDEX members_by_telegram_user ON members (workspace_id, telegram_user_id) WHERE telegram_user_id IS NOT NULL;
