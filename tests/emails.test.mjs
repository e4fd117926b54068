// Emails have one form: trimmed, NFC, the domain as lowercase ASCII by IDNA.
// Every spelling of one address is stored alike, found by the list's filter
// and erased together; leads stored before (their domain as typed) are
// re-normalised by the cron after the upgrade, and erased by any spelling too.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, spawnApp, sqlOn } from './support/app.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PUNYCODE = 'ada@xn--bro-hoa.de';
// One mailbox, spelt five ways: the domain in capitals, decomposed (u + U+0308), in Punycode, with spaces.
const SPELLINGS = ['ada@BÜRO.de', 'ada@büro.de', 'ada@bu\u0308ro.de', 'ADA@XN--BRO-HOA.DE', ' ada@Büro.DE\u00a0'];

const apps = [];
const dirs = [];
after(async () => {
  for (const app of apps) await app.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('every spelling of an address is stored in one form, filtered alike and erased together', async () => {
  const app = await spawnApp();
  apps.push(app);
  const ws = await app.createWorkspace({ name: 'Emails' });
  for (const email of SPELLINGS) assert.equal((await app.capture(ws, { email })).status, 201, email);
  assert.equal((await app.capture(ws, { email: 'ada@buero.de' })).status, 201);
  const stored = (await app.listLeads(ws.api_key)).data.map((l) => l.email).sort();
  assert.deepEqual(stored, ['ADA@xn--bro-hoa.de', 'ada@buero.de', PUNYCODE, PUNYCODE, PUNYCODE, PUNYCODE]);
  // The filter finds every spelling, the local part's case included (email filters ignore case, as erasure does).
  assert.equal((await app.listLeads(ws.api_key, { email: 'ada@BU\u0308RO.de' })).data.length, 5);
  for (const bad of ['ada@büro-.de', 'ada@xn--zz.de', 'ada@b_c.de']) {
    const refused = await app.capture(ws, { email: bad });
    assert.equal(refused.status, 422, bad);
    assert.deepEqual(refused.body.errors.map((e) => [e.field, e.code]), [['email', 'invalid_email']]);
  }
  const erased = await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: 'Ada@büro.de' });
  assert.deepEqual([erased.status, erased.body], [200, { erased: 5 }], 'erasure ignores case and spelling');
  assert.deepEqual((await app.listLeads(ws.api_key)).data.map((l) => l.email), ['ada@buero.de'], 'another address is kept');
});

test('leads stored before the upgrade are re-normalised by the cron and erased by any spelling', async () => {
  // A database at the release before: every migration older than this one.
  const dir = await mkdtemp(join(tmpdir(), 'leadsbot-emails-'));
  dirs.push(dir);
  const [stateDir, oldMigrations] = [join(dir, 'state'), join(dir, 'migrations')];
  for (const name of (await readdir(join(root, 'migrations'))).filter((n) => n < '0022')) {
    await cp(join(root, 'migrations', name), join(oldMigrations, name));
  }
  const oldConfig = join(dir, 'wrangler.toml');
  await writeFile(oldConfig, `name = "leadsbot-emails-test"\ncompatibility_date = "2026-04-01"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "leadsbot"\ndatabase_id = "00000000-0000-0000-0000-000000000000"\nmigrations_dir = "${oldMigrations}"\n`);
  await applyMigrations(stateDir, { config: oldConfig });
  // This release's worker writes the old rows, and it places workspaces in the directory (0036),
  // on one database here: the table is lent for that and dropped again, so the upgrade makes it
  // as it does for a deployment from before, with every workspace in DB.
  const directory = await readFile(join(root, 'migrations/0036_workspace_directory.sql'), 'utf8');
  await sqlOn(stateDir, directory.split('\n').filter((line) => !line.startsWith('--')).join('\n'), { config: oldConfig });

  const before = await spawnApp({ stateDir, vars: { DATABASES: 'DB' } });
  apps.push(before);
  const ws = await before.createWorkspace({ name: 'Legacy' });
  const { id: leadId } = (await before.capture(ws, { email: 'kept@example.com', name: 'Legacy Ada' })).body;
  // As the release before stored them: only the domain's ASCII letters lowercased.
  await before.sql(`UPDATE leads SET email = 'Ada@bÜro.de' WHERE id = '${leadId}'`, { database: ws.database });
  const { id: otherId } = (await before.capture(ws, { email: 'kept2@example.com' })).body;
  await before.sql(`UPDATE leads SET email = 'zoe@stra\u00dfe.de' WHERE id = '${otherId}'`, { database: ws.database });
  await before.stop({ keepState: true });
  await sqlOn(stateDir, 'DROP TABLE workspace_homes', { config: oldConfig });

  await applyMigrations(stateDir);
  const app = await spawnApp({ stateDir, testScheduled: true });
  apps.push(app);
  await app.triggerScheduled();
  const emailOf = async (id) => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body.email;
  await app.waitFor(async () => (await emailOf(leadId)) === 'Ada@xn--bro-hoa.de', { what: 'the legacy email re-normalised' });
  assert.equal(await emailOf(otherId), 'zoe@xn--strae-oqa.de');
  assert.deepEqual(await app.sql('SELECT count(*) AS n FROM email_renormalisations'), [{ n: 0 }], 'the list is worked off');
  const erased = await app.api(ws.api_key, 'POST', '/api/v1/erasures', { email: 'ada@BÜRO.DE' });
  assert.deepEqual(erased.body, { erased: 1 });
  assert.equal((await app.api(ws.api_key, 'GET', `/api/v1/leads/${leadId}`)).status, 404);
});
