-- What each idempotency key was first used for (`request_fingerprint` in
-- shared/src/idempotency.rs): a repeat with another body is refused (422
-- idempotency_key_reused) instead of replayed. Keys claimed before this have
-- none and keep replaying their first lead until they expire.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT;
