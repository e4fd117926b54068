-- How many leads a workspace has in each status, for the inbox's tab counts
-- on an unfiltered list: a read of at most one row per status, not a count
-- of every lead (a GROUP BY over 100,000 leads took 8-20 ms of SQLite on
-- every list page).
--
-- Kept by triggers on `leads`, so every writer (capture, PATCH, bulk, spam,
-- Telegram buttons, workflows, erasure, retention) changes the count in the
-- same transaction as the lead, with no second code path to forget. A
-- workspace deleted takes its counts with it, as it takes its leads. A status
-- no lead has any more keeps its row at 0.
CREATE TABLE lead_status_counts (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, status)
) WITHOUT ROWID;

CREATE TRIGGER lead_status_counts_after_insert AFTER INSERT ON leads BEGIN
  INSERT INTO lead_status_counts (workspace_id, status, n) VALUES (NEW.workspace_id, NEW.status, 1)
    ON CONFLICT (workspace_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER lead_status_counts_after_update AFTER UPDATE OF status, workspace_id ON leads
WHEN OLD.status IS NOT NEW.status OR OLD.workspace_id IS NOT NEW.workspace_id BEGIN
  UPDATE lead_status_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND status = OLD.status;
  INSERT INTO lead_status_counts (workspace_id, status, n) VALUES (NEW.workspace_id, NEW.status, 1)
    ON CONFLICT (workspace_id, status) DO UPDATE SET n = n + 1;
END;

-- A plain UPDATE, never an insert: when a deleted workspace cascades to its
-- leads, its counts may already be gone, and nothing is left to count.
CREATE TRIGGER lead_status_counts_after_delete AFTER DELETE ON leads BEGIN
  UPDATE lead_status_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND status = OLD.status;
END;

-- Leads stored before this migration.
INSERT INTO lead_status_counts (workspace_id, status, n)
  SELECT workspace_id, status, count(*) FROM leads GROUP BY workspace_id, status;

-- The search index again, with a 4-character prefix index beside the 2- and
-- 3-character ones (migration 0015). A prefix with no index of its length is
-- answered by reading every term that starts with it: `4930`, the start of
-- every Berlin phone number written as digits, is 100,000 distinct terms in
-- a workspace of 100,000 Berlin leads (14 ms of SQLite, three times on a
-- search page), against one doclist read from the prefix index (0.4 ms).
-- Five digits already narrow the terms tenfold. The index grows by about a
-- quarter (33 to 40 MB for those 100,000 leads).
--
-- The indexed text is copied from the old index, not recomputed, and the
-- triggers of migration 0015 stay as they are: they name `leads_fts`, which is
-- created again under that name. (`wrangler d1 export` needs `leads_fts`
-- dropped: restore it with the CREATE and INSERTs below, from `leads` as 0015's
-- last statement reads it, not by re-running 0015.)
CREATE TABLE leads_fts_rebuild AS
  SELECT rowid AS lead_rowid, email, name, phone, company, message, note, tags, custom FROM leads_fts;
DROP TABLE leads_fts;
CREATE VIRTUAL TABLE leads_fts USING fts5(
  email, name, phone, company, message, note, tags, custom,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4'
);
INSERT INTO leads_fts (leads_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO leads_fts (rowid, email, name, phone, company, message, note, tags, custom)
  SELECT lead_rowid, email, name, phone, company, message, note, tags, custom FROM leads_fts_rebuild;
DROP TABLE leads_fts_rebuild;
