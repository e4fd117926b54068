// A lead's campaign has one meaning: the slug its `campaign` label joins,
// else its `utm_campaign`'s. The lead shows it as `campaign` beside the raw
// labels, and every campaign filter (the list, the export, a workflow's
// conditions and its trigger's filter, dry run included, and summaries)
// takes a slug or a label in any case and matches the lead whichever field
// named the campaign.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';

let app;
before(async () => { app = await spawnApp({ vars: { DELIVERY_SWEEP_AFTER_SECS: '0' } }); });
after(() => app?.stop());

async function capture(ws, fields) {
  const lead = await app.capture(ws, fields);
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  return lead.body.id;
}
const sorted = (ids) => [...ids].sort();
const listed = async (ws, campaign) => {
  const response = await app.api(ws.api_key, 'GET', `/api/v1/leads?${new URLSearchParams({ campaign })}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return sorted(response.body.data.map((l) => l.id));
};
const exported = async (ws, campaign) => {
  const response = await fetch(`${app.baseUrl}/api/v1/leads/export?${new URLSearchParams({ format: 'ndjson', campaign })}`, { headers: { Authorization: `Bearer ${ws.api_key}` } });
  assert.equal(response.status, 200);
  return sorted((await response.text()).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line).id));
};

test('utm_campaign=Spring and campaign=spring are one campaign everywhere a campaign is filtered on', async () => {
  const ws = await app.createWorkspace({ name: 'Campaign words' });
  const other = await app.createWorkspace({ name: 'Other campaigns' });
  // The README's workflow: conditions on the campaign, run on each new lead.
  const workflow = await app.api(ws.api_key, 'POST', '/api/v1/workflows', {
    name: 'Hot spring leads', trigger: { event: 'lead.created' },
    conditions: { all: [{ field: 'campaign', op: 'equals', value: 'spring' }] }, actions: [{ type: 'add_tag', tag: 'hot' }],
  });
  assert.equal(workflow.status, 201, JSON.stringify(workflow.body));
  const byUtm = await capture(ws, { email: 'utm@example.com', utm_campaign: 'Spring' });
  const byLabel = await capture(ws, { email: 'label@example.com', campaign: 'spring' });
  const sale = await capture(ws, { email: 'sale@example.com', campaign: 'Spring Sale', utm_campaign: 'spring' });
  const autumn = await capture(ws, { email: 'autumn@example.com', campaign: 'Autumn', utm_campaign: 'Spring' });
  await capture(ws, { email: 'none@example.com' });
  await capture(other, { email: 'theirs@example.com', campaign: 'spring' });
  const spring = sorted([byUtm, byLabel]);

  const lead = async (id) => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body;
  const shape = (l) => [l.campaign, l.campaign_label, l.utm_campaign];
  assert.deepEqual(shape(await lead(byUtm)), ['spring', null, 'Spring']);
  assert.deepEqual(shape(await lead(byLabel)), ['spring', 'spring', null]);
  assert.deepEqual(shape(await lead(sale)), ['spring-sale', 'Spring Sale', 'spring'], 'campaign wins over utm_campaign');

  for (const value of ['spring', 'Spring', 'SPRING', ' spring ']) {
    assert.deepEqual(await listed(ws, value), spring, `?campaign=${value}`);
  }
  assert.deepEqual(await listed(ws, 'Spring Sale'), [sale]);
  assert.deepEqual(await listed(ws, 'spring-sale'), [sale]);
  assert.deepEqual(await listed(ws, 'autumn'), [autumn]);
  assert.deepEqual(await listed(ws, '!!!'), [], 'a value naming no campaign matches no lead');
  assert.deepEqual(await exported(ws, 'Spring'), spring, 'the export filters alike');
  assert.deepEqual(await exported(ws, 'spring'), spring);

  // The automatic runs and the README's dry run agree on which leads are the campaign's.
  const automatic = await app.waitFor(async () => {
    const runs = (await app.api(ws.api_key, 'GET', `/api/v1/workflows/${workflow.body.id}/runs`)).body.data;
    const rows = await app.sql(`SELECT status FROM deliveries WHERE workspace_id = '${ws.id}' AND target_kind IN ('workflows', 'run')`);
    return rows.length > 0 && rows.every((r) => r.status !== 'pending') && runs.length >= 2 && runs;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'the automatic runs' });
  assert.deepEqual(sorted(automatic.map((r) => r.lead_id)), spring);
  for (const value of ['spring', 'Spring']) {
    const dry = await app.api(ws.api_key, 'POST', `/api/v1/workflows/${workflow.body.id}/trigger?dry_run=true`, { filter: { campaign: value } });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual([dry.body.matched, sorted(dry.body.lead_ids)], [2, spring], `dry run of ${value}`);
  }
  assert.deepEqual((await lead(byUtm)).tags, ['hot']);

  const today = new Date().toISOString().slice(0, 10);
  const summary = await app.api(ws.api_key, 'GET', `/api/v1/summaries?period=day&date=${today}`);
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  assert.deepEqual(summary.body.by_campaign, { autumn: 1, spring: 2, 'spring-sale': 1 });
});
