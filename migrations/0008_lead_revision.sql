-- A random value written by every PATCH that changes a lead ('' before the
-- first). With updated_at it makes the lead's ETag, and PATCH writes only if
-- the lead still has the revision it read (If-Match, no lost updates).
ALTER TABLE leads ADD COLUMN revision TEXT NOT NULL DEFAULT '';
