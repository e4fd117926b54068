-- Delivery: webhook endpoints, the Telegram integration, and the outbox of
-- deliveries with every attempt. Times are unix milliseconds.

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  description TEXT,
  -- JSON array of event types; '[]' subscribes to every event.
  events TEXT NOT NULL DEFAULT '[]',
  -- Sealed (AES-GCM) with SECRETS_KEY: a dump of D1 holds no usable secret.
  secret_sealed TEXT NOT NULL,
  -- The secret before the last rotation, still signing until it expires.
  previous_secret_sealed TEXT,
  previous_secret_expires_at INTEGER,
  disabled_at INTEGER,
  disabled_reason TEXT,
  -- Start of the current run of failures; NULL after any success.
  failing_since INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints (workspace_id, id);

-- One row per workspace and kind ('telegram').
CREATE TABLE integrations (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  -- Sealed credential (the bot token).
  secret_sealed TEXT NOT NULL,
  -- JSON settings (chat_id).
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, kind)
);

-- The outbox: written in the same batch as the event, so an event is never
-- stored without its deliveries. The queue carries only ids.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  -- 'webhook' (target_id = endpoint id) or 'telegram' (target_id = 'telegram').
  target_kind TEXT NOT NULL,
  target_id TEXT NOT NULL,
  -- pending | succeeded | failed
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  -- When the next attempt is due (pending only); the sweeper re-enqueues
  -- deliveries overdue by more than its grace.
  next_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_target ON deliveries (workspace_id, target_id, id);
CREATE INDEX deliveries_by_event ON deliveries (workspace_id, event_id);

CREATE TABLE delivery_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  attempted_at INTEGER NOT NULL,
  status_code INTEGER,
  duration_ms INTEGER NOT NULL,
  error TEXT,
  -- The first 1 KiB of the response body.
  response_body TEXT
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (workspace_id, delivery_id, attempt);
