-- Workspaces, credentials, leads and their history, idempotency claims,
-- capture URLs, and the event log that delivery builds on.
-- Times are unix milliseconds (INTEGER); JSON columns hold TEXT.

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]',
  public_token_hash TEXT NOT NULL UNIQUE,
  public_token_prefix TEXT NOT NULL,
  -- Sealed (AES-GCM) with SECRETS_KEY: needed in plaintext to check server signatures.
  inbound_secret_sealed TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  last4 TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, id);

CREATE TABLE leads (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  name TEXT, phone TEXT, company TEXT, message TEXT,
  campaign TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_term TEXT, utm_content TEXT,
  page_url TEXT, referrer TEXT, page_title TEXT,
  form_id TEXT, form_name TEXT, form_action TEXT,
  custom TEXT NOT NULL DEFAULT '{}',
  source TEXT NOT NULL,
  user_agent TEXT,
  country TEXT,
  status TEXT NOT NULL DEFAULT 'new',
  tags TEXT NOT NULL DEFAULT '[]',
  note TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- Ids sort by creation time, so this one index serves newest-first pages.
CREATE INDEX leads_by_workspace ON leads (workspace_id, id);
CREATE INDEX leads_by_email ON leads (workspace_id, email);
CREATE INDEX leads_by_status ON leads (workspace_id, status, id);

CREATE TABLE lead_status_changes (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  lead_id TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  changed_by TEXT,
  changed_at INTEGER NOT NULL
);
CREATE INDEX lead_status_changes_by_lead ON lead_status_changes (workspace_id, lead_id, changed_at);

-- One row per (workspace, route scope, key): claimed atomically in the
-- capture batch, so concurrent duplicates store one lead.
CREATE TABLE idempotency_keys (
  workspace_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, scope, key)
);

CREATE TABLE capture_urls (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  field_mapping TEXT NOT NULL DEFAULT '{}',
  secret_sealed TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX capture_urls_by_workspace ON capture_urls (workspace_id, id);

-- Every event that happened to a lead, in order; delivery fans out from here.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  type TEXT NOT NULL,
  lead_id TEXT,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX events_by_workspace ON events (workspace_id, id);
