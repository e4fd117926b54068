-- A lead's notes, a log: each kept with who wrote it and when, never
-- replaced. `author` is the actor as `lead_status_changes.changed_by` records
-- it (an API key id, `telegram:@user`). Ids sort by creation time, so a
-- lead's notes in time order are a range of this index. The lead's old
-- single `note` column stays; the API lists it first.
CREATE TABLE lead_notes (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  body TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX lead_notes_by_lead ON lead_notes (workspace_id, lead_id, id);
