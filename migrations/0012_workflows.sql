-- Workflows: a trigger, conditions and ordered actions per workspace; runs
-- of them, one per (workflow, triggering event), each with its actions'
-- state. A run is worked off the delivery queue as a `deliveries` row
-- (target_kind 'run', target_id = run id) with the same claim protocol, so
-- redelivery, restarts and the sweeper never make an action happen twice.
-- Times are unix milliseconds.

CREATE TABLE workflows (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  -- 'lead.created' | 'lead.status_changed' | 'manual' (the capture batch checks it).
  trigger_event TEXT NOT NULL,
  -- The definition as the API shows it (trigger, conditions, actions).
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX workflows_by_workspace ON workflows (workspace_id, id);
CREATE INDEX workflows_enabled_by_trigger ON workflows (workspace_id, trigger_event) WHERE enabled = 1;

CREATE TABLE workflow_runs (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  -- What started it: the triggering event's id, or a manual trigger's id.
  trigger_key TEXT NOT NULL,
  -- JSON: {"event": "lead.created", "event_id": …} or {"event": "manual"}.
  trigger TEXT NOT NULL,
  -- How many workflow actions led to this run (0: a person or a capture did).
  depth INTEGER NOT NULL DEFAULT 0,
  -- held | running | completed | failed
  status TEXT NOT NULL,
  -- The workflow's actions when the run was made: an edit never changes a run under way.
  actions TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  UNIQUE (workflow_id, trigger_key, lead_id)
);
CREATE INDEX workflow_runs_by_workflow ON workflow_runs (workspace_id, workflow_id, id);
CREATE INDEX workflow_runs_by_lead ON workflow_runs (workspace_id, lead_id, id);

-- One row per action of a run: applied internal actions are recorded in the
-- same batch that applies them; sent ones once their delivery succeeded.
CREATE TABLE workflow_run_actions (
  workspace_id TEXT NOT NULL,
  run_id TEXT NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  type TEXT NOT NULL,
  -- pending | completed | failed | skipped
  status TEXT NOT NULL DEFAULT 'pending',
  error TEXT,
  -- What a telegram/webhook action sends, fixed at its first attempt so every
  -- retry sends (and signs) the same bytes. Cleared by erasure.
  body TEXT,
  finished_at INTEGER,
  PRIMARY KEY (run_id, idx)
);
