-- The inbox's Source filter offers the sources present on a workspace's
-- leads (and filters by one): read from this index, not the whole table.
CREATE INDEX leads_by_source ON leads (workspace_id, source);
