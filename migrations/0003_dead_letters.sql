-- When an exhausted delivery's message reached the dead-letter queue (unix
-- milliseconds), as recorded by that queue's consumer. NULL while the
-- delivery is live, and again once it is replayed.
ALTER TABLE deliveries ADD COLUMN dead_lettered_at INTEGER;
