-- Members sign in: a sign-in link or a session now belongs to an API key
-- (as before) or to a member, exactly one of the two. An invitation is a
-- link too (`purpose`): spending it makes the member active. SQLite cannot
-- relax NOT NULL in place, so both tables are rebuilt, their rows kept.

CREATE TABLE inbox_links_new (
  token_hash TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  key_id TEXT,
  member_id TEXT,
  purpose TEXT NOT NULL DEFAULT 'sign_in' CHECK (purpose IN ('sign_in', 'invitation')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  -- Set when the link is used: a link signs in once.
  used_at INTEGER,
  CHECK ((key_id IS NULL) <> (member_id IS NULL))
);
INSERT INTO inbox_links_new (token_hash, workspace_id, key_id, created_at, expires_at, used_at)
  SELECT token_hash, workspace_id, key_id, created_at, expires_at, used_at FROM inbox_links;
DROP TABLE inbox_links;
ALTER TABLE inbox_links_new RENAME TO inbox_links;
CREATE INDEX inbox_links_by_age ON inbox_links (expires_at);
CREATE INDEX inbox_links_by_member ON inbox_links (member_id) WHERE member_id IS NOT NULL;

CREATE TABLE inbox_sessions_new (
  id_hash TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  key_id TEXT,
  member_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  CHECK ((key_id IS NULL) <> (member_id IS NULL))
);
INSERT INTO inbox_sessions_new (id_hash, workspace_id, key_id, created_at, expires_at, last_seen_at)
  SELECT id_hash, workspace_id, key_id, created_at, expires_at, last_seen_at FROM inbox_sessions;
DROP TABLE inbox_sessions;
ALTER TABLE inbox_sessions_new RENAME TO inbox_sessions;
CREATE INDEX inbox_sessions_by_key ON inbox_sessions (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX inbox_sessions_by_member ON inbox_sessions (member_id) WHERE member_id IS NOT NULL;
CREATE INDEX inbox_sessions_by_age ON inbox_sessions (expires_at);

-- Signing in by email finds an address's memberships across workspaces.
CREATE INDEX members_by_email ON members (email COLLATE NOCASE);
