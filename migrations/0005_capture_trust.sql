-- Capture trust: credential rotation with a grace period, refused browser
-- captures an operator can see, and idempotency keys scoped by writer class.

-- The public token and the inbound signing secret before their last rotation,
-- still accepted until the matching *_expires_at (unix milliseconds).
ALTER TABLE workspaces ADD COLUMN previous_public_token_hash TEXT;
ALTER TABLE workspaces ADD COLUMN previous_public_token_expires_at INTEGER;
ALTER TABLE workspaces ADD COLUMN previous_inbound_secret_sealed TEXT;
ALTER TABLE workspaces ADD COLUMN previous_inbound_secret_expires_at INTEGER;

-- Browser captures refused although their public token was valid (an origin
-- outside allowed_origins, a token past its rotation grace): counts per origin
-- and reason, never lead data. Origin '' means the request sent none.
CREATE TABLE capture_rejections (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  origin TEXT NOT NULL,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, origin, reason)
);
CREATE INDEX capture_rejections_recent ON capture_rejections (workspace_id, last_at);

-- Idempotency keys were one namespace ('inbound') for browsers and servers;
-- they are now scoped by writer class. Earlier claims stay honoured for both
-- classes, so a retry that straddles this migration is still not stored twice.
INSERT OR IGNORE INTO idempotency_keys (workspace_id, scope, key, lead_id, created_at)
  SELECT workspace_id, 'inbound:browser', key, lead_id, created_at FROM idempotency_keys WHERE scope = 'inbound';
UPDATE idempotency_keys SET scope = 'inbound:server' WHERE scope = 'inbound';
