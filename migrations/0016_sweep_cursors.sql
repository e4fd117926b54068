-- Where each cron sweep that covers workspaces stopped: the next tick goes
-- on after `cursor` (a workspace id; NULL: from the first workspace), so
-- every sweep reaches every workspace in turn (worker/src/sweep_cursor.rs).
-- Times are unix milliseconds.
CREATE TABLE sweep_cursors (
  -- The sweep: 'lead_retention' | 'digests'.
  name TEXT PRIMARY KEY,
  cursor TEXT,
  updated_at INTEGER NOT NULL
);
