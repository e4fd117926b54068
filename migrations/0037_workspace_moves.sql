-- A workspace move's copy cursors, kept in the DESTINATION database and
-- written in the same batch as the rows each chunk copies, so a repeated
-- step neither skips nor doubles a row. One row per chunk: a chunk number
-- taken twice (two deliveries of one step at once) fails its whole batch.
-- `after_key`: the JSON array of the primary key of the chunk's last row.
-- The move deletes these rows once it is done.
CREATE TABLE workspace_move_cursors (
  move_id TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  after_key TEXT NOT NULL,
  rows INTEGER NOT NULL,
  done INTEGER NOT NULL,
  PRIMARY KEY (move_id, table_name, chunk)
);

-- The moves under way, which the cron reads every minute to leave their
-- databases alone: a handful of rows, never a scan of the directory.
CREATE INDEX workspace_homes_moving ON workspace_homes (workspace_id)
  WHERE move_state IS NOT NULL AND json_extract(move_state, '$.phase') <> 'done';
