-- The directory: each workspace's home database (a D1 binding name).
-- Every database gets this table; only the first (DB) fills it. Workspaces
-- made before there were several databases live in DB.
CREATE TABLE workspace_homes (
  workspace_id TEXT PRIMARY KEY,
  database TEXT NOT NULL,
  -- Set while the workspace is being moved there: its requests wait (503).
  moving_to TEXT,
  -- The move's progress, so each step (a queue message) takes up where the last stopped.
  move_state TEXT,
  placed_at INTEGER NOT NULL
);
CREATE INDEX workspace_homes_by_database ON workspace_homes (database);

INSERT INTO workspace_homes (workspace_id, database, placed_at)
SELECT id, 'DB', created_at FROM workspaces;
