-- Campaigns: leads join one by slug in their capture batch; manual controls
-- (pause, resume, archive) are recorded; response work of a paused
-- campaign's leads waits in the outbox as status 'held'. Times are unix ms.

CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  -- shared::campaign::CampaignSlug: a lead's campaign (else utm_campaign) as a slug.
  slug TEXT NOT NULL,
  name TEXT NOT NULL,
  -- active | paused | archived
  state TEXT NOT NULL DEFAULT 'active',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (workspace_id, slug)
);

-- Every control applied: who (an API key id), when, from which state to which.
CREATE TABLE campaign_controls (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX campaign_controls_by_campaign ON campaign_controls (workspace_id, campaign_id, id);

-- The campaign a lead joined when it was captured (NULL: none).
ALTER TABLE leads ADD COLUMN campaign_id TEXT;
-- Counts per status, and finding a campaign's leads on resume.
CREATE INDEX leads_by_campaign ON leads (workspace_id, campaign_id, status);
-- Held response work, released (or dropped) by a control.
CREATE INDEX deliveries_held ON deliveries (workspace_id, event_id) WHERE status = 'held';

-- Leads stored before campaigns existed join the campaign their label names
-- when that label is already a slug in lowercase ASCII (`Spring`, `spring-sale`);
-- other labels would need the Rust slug rule and are left without a campaign.
INSERT OR IGNORE INTO campaigns (id, workspace_id, slug, name, state, created_at, updated_at)
  SELECT 'cmp_' || upper(hex(randomblob(13))), workspace_id, slug, min(name), 'active', min(created_at), min(created_at)
  FROM (SELECT workspace_id, created_at,
          lower(coalesce(nullif(trim(campaign), ''), trim(utm_campaign))) AS slug,
          coalesce(nullif(trim(campaign), ''), trim(utm_campaign)) AS name
        FROM leads WHERE coalesce(nullif(trim(campaign), ''), nullif(trim(utm_campaign), '')) IS NOT NULL)
  WHERE slug <> '' AND length(slug) <= 64 AND slug NOT GLOB '*[^a-z0-9-]*'
    AND slug NOT GLOB '-*' AND slug NOT GLOB '*-' AND slug NOT GLOB '*--*'
  GROUP BY workspace_id, slug;
UPDATE leads SET campaign_id = (
    SELECT c.id FROM campaigns c WHERE c.workspace_id = leads.workspace_id
      AND c.slug = lower(coalesce(nullif(trim(leads.campaign), ''), trim(leads.utm_campaign))))
  WHERE coalesce(nullif(trim(campaign), ''), nullif(trim(utm_campaign), '')) IS NOT NULL;
