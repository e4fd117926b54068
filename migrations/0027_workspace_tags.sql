-- The tags a workspace's leads have carried, for the inbox's Tag filter:
-- read from this small table, not by unpacking every lead's tags on every
-- list page (a full scan of the workspace's leads).
--
-- Kept by triggers on `leads`, so every writer (capture, PATCH, bulk, Telegram
-- buttons, workflows) adds its tags in the same transaction, with no second
-- code path to forget. A tag no lead carries any more stays offered (its
-- filter then shows no lead); tags are labels a team chose, not lead data.
CREATE TABLE workspace_tags (
  workspace_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (workspace_id, tag)
) WITHOUT ROWID;

CREATE TRIGGER workspace_tags_after_insert AFTER INSERT ON leads
WHEN NEW.tags <> '[]' AND json_valid(NEW.tags) BEGIN
  INSERT OR IGNORE INTO workspace_tags (workspace_id, tag)
    SELECT NEW.workspace_id, value FROM json_each(NEW.tags) WHERE type = 'text';
END;

CREATE TRIGGER workspace_tags_after_update AFTER UPDATE OF tags ON leads
WHEN NEW.tags <> '[]' AND json_valid(NEW.tags) BEGIN
  INSERT OR IGNORE INTO workspace_tags (workspace_id, tag)
    SELECT NEW.workspace_id, value FROM json_each(NEW.tags) WHERE type = 'text';
END;

INSERT OR IGNORE INTO workspace_tags (workspace_id, tag)
  SELECT DISTINCT l.workspace_id, t.value FROM leads l, json_each(CASE WHEN json_valid(l.tags) THEN l.tags ELSE '[]' END) t
  WHERE t.type = 'text';
