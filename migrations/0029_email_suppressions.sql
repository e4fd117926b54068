-- A workspace's email suppression list: addresses that unsubscribed (by a
-- one-click link, RFC 8058) and are never emailed again. Only a hash of the
-- normalised address is kept (SHA-256 over the workspace id and the address's
-- one comparison form, shared::mail::suppression_hash), so erasing a lead
-- leaves nothing of the address here while still keeping it suppressed.
CREATE TABLE email_suppressions (
  workspace_id TEXT NOT NULL,
  address_hash TEXT NOT NULL,
  -- Why: 'unsubscribed' (a bounce, once the binding reports one, would be another).
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, address_hash)
) WITHOUT ROWID;
