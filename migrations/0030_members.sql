-- The people of a workspace: invited by email, active once they accept.
-- `email` is stored in the one normalised form (shared::email) and compared
-- ignoring ASCII case, so one mailbox is one member per workspace.
CREATE TABLE members (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  email TEXT NOT NULL COLLATE NOCASE,
  name TEXT,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  status TEXT NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active')),
  invited_at INTEGER NOT NULL,
  accepted_at INTEGER,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, email)
);

CREATE INDEX members_by_workspace ON members (workspace_id, id);
