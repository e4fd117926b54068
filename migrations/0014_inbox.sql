-- The inbox at /app: one-time sign-in links and browser sessions. Secrets are
-- stored only as SHA-256 hashes; times are unix ms. Both belong to the API key
-- that made them (the admin key that asked for the link, or the key typed into
-- the sign-in page): a session is only live while that key is.

CREATE TABLE inbox_links (
  token_hash TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  -- Set when the link is used: a link signs in once.
  used_at INTEGER
);
CREATE INDEX inbox_links_by_age ON inbox_links (expires_at);

CREATE TABLE inbox_sessions (
  id_hash TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX inbox_sessions_by_key ON inbox_sessions (key_id);
CREATE INDEX inbox_sessions_by_age ON inbox_sessions (expires_at);
