// Capture URLs with a preset speak the form tool's own language: its signature
// header and its payload, shaped exactly as the tool's documentation shows
// (developers.typeform.com/webhooks/example-payload, tally.so/help/webhooks).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnApp } from './support/app.mjs';
import { typeformSignature, tallySignature } from './support/signing.mjs';

let app, ws;
before(async () => {
  app = await spawnApp();
  ws = await app.createWorkspace({ name: 'Presets' });
});
after(() => app?.stop());

const leadById = async (id) => (await app.api(ws.api_key, 'GET', `/api/v1/leads/${id}`)).body;
const leadCount = async (source) => (await app.listLeads(ws.api_key, { source, limit: 100 })).data.length;

async function createPreset(body) {
  const created = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { ...created.body, path: new URL(created.body.url).pathname };
}

function post(path, raw, headers = {}) {
  return app.request('POST', path, { headers: { 'Content-Type': 'application/json', ...headers }, raw });
}

function assertProblem(response, status, detail) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  if (detail) assert.match(response.body.detail, detail);
}

// Typeform's example payload, trimmed to the questions a lead form has.
function typeformPayload(eventId, { withLongText = true } = {}) {
  const answers = [
    { type: 'text', text: "It's cold right now! I'm freezing!", field: { id: 'DlXFaesGBpoF', type: 'long_text', ref: 'readable_ref_long_text' } },
    { type: 'email', email: 'laura@example.com', field: { id: 'SMEUb7VJz92Q', type: 'email', ref: 'readable_ref_email' } },
    { type: 'text', text: 'Laura', field: { id: 'JwWggjAKtOkA', type: 'short_text', ref: 'readable_ref_short_text' } },
    { type: 'choices', choices: { labels: ['London', 'Sydney'] }, field: { id: 'PNe8ZKBK8C2Q', type: 'picture_choice', ref: 'readable_ref_picture_choice' } },
    { type: 'phone_number', phone_number: '+5511999999999', field: { id: 'RUqkXSeXBXSd', type: 'phone_number', ref: 'readable_ref_phone' } },
    { type: 'boolean', boolean: true, field: { id: 'WOTdC00F8A3h', type: 'yes_no', ref: 'readable_ref_yes_no' } },
  ];
  return {
    event_id: eventId,
    event_type: 'form_response',
    form_response: {
      form_id: 'lT4Z3j',
      token: 'a3a12ec67a1365927098a606107fac15',
      landed_at: '2018-01-18T18:07:02Z',
      submitted_at: '2018-01-18T18:17:02Z',
      hidden: { user_id: 'abc123456' },
      definition: {
        id: 'lT4Z3j',
        title: 'Webhooks example',
        fields: [
          { id: 'DlXFaesGBpoF', title: "What's it like where you live? Tell us in a few sentences.", type: 'long_text', ref: 'readable_ref_long_text', allow_multiple_selections: false, allow_other_choice: false },
          { id: 'SMEUb7VJz92Q', title: 'Please give us your email address.', type: 'email', ref: 'readable_ref_email', allow_multiple_selections: false, allow_other_choice: false },
          { id: 'JwWggjAKtOkA', title: 'What is your first name?', type: 'short_text', ref: 'readable_ref_short_text', allow_multiple_selections: false, allow_other_choice: false },
        ],
      },
      answers: withLongText ? answers : answers.slice(1),
    },
  };
}

// Tally's example webhook event: every question listed with key, label, type, value.
function tallyPayload(eventId, { company = 'Acme' } = {}) {
  return {
    eventId,
    eventType: 'FORM_RESPONSE',
    createdAt: '2023-06-28T15:00:21.889Z',
    data: {
      responseId: '2wgx4n',
      submissionId: '2wgx4n',
      respondentId: 'dwQKYm',
      formId: 'VwbNEw',
      formName: 'Webhook payload',
      createdAt: '2023-06-28T15:00:21.000Z',
      fields: [
        { key: 'question_3EKz4n', label: 'Company', type: 'INPUT_TEXT', value: company },
        { key: 'question_mRGa0W', label: 'What is your name?', type: 'INPUT_TEXT', value: 'Alice' },
        { key: 'question_w4Q4Xz', label: 'Email', type: 'INPUT_EMAIL', value: 'alice@example.com' },
        { key: 'question_3jZaa7', label: 'Phone number', type: 'INPUT_PHONE_NUMBER', value: '+3212345678' },
        { key: 'question_n0lV4p', label: 'Interests', type: 'CHECKBOXES', value: ['opt-a', 'opt-c'],
          options: [{ id: 'opt-a', text: 'Sales' }, { id: 'opt-b', text: 'Support' }, { id: 'opt-c', text: 'Billing' }] },
        { key: 'question_n0lV4p_opt-a', label: 'Interests (Sales)', type: 'CHECKBOXES', value: true },
        { key: 'question_n0lV4p_opt-b', label: 'Interests (Support)', type: 'CHECKBOXES', value: false },
        { key: 'question_n0lV4p_opt-c', label: 'Interests (Billing)', type: 'CHECKBOXES', value: true },
      ],
    },
  };
}

test('a Typeform preset: signed form_response → one lead mapped by field ref, secret shown once', async () => {
  const url = await createPreset({ name: 'Typeform', preset: 'typeform', field_mapping: { name: 'readable_ref_short_text' } });
  assert.equal(url.preset, 'typeform');
  assert.equal(url.signed, true, 'a preset is signed by default');
  assert.match(url.signing_secret, /^whsec_/);
  const raw = JSON.stringify(typeformPayload('LtWXD3crgy'));
  const created = await post(url.path, raw, { 'Typeform-Signature': typeformSignature(url.signing_secret, raw) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const lead = await leadById(created.body.id);
  assert.deepEqual([lead.email, lead.name, lead.phone, lead.source, lead.form_name], ['laura@example.com', 'Laura', '+5511999999999', 'typeform', 'Webhooks example']);
  assert.deepEqual(lead.custom, {
    readable_ref_long_text: "It's cold right now! I'm freezing!",
    readable_ref_picture_choice: 'London, Sydney',
    readable_ref_yes_no: true,
    user_id: 'abc123456',
  });

  // An optional question left blank: Typeform leaves its answer out.
  const blankRaw = JSON.stringify(typeformPayload('LtWXD3crgz', { withLongText: false }));
  const blank = await post(url.path, blankRaw, { 'Typeform-Signature': typeformSignature(url.signing_secret, blankRaw) });
  assert.equal(blank.status, 201, JSON.stringify(blank.body));
  const blankLead = await leadById(blank.body.id);
  assert.deepEqual([blankLead.email, blankLead.name, blankLead.phone], ['laura@example.com', 'Laura', '+5511999999999']);

  const listed = (await app.api(ws.api_key, 'GET', '/api/v1/inbound-webhooks')).body.data.find((c) => c.id === url.id);
  assert.equal(listed.preset, 'typeform');
  assert.equal(JSON.stringify(listed).includes(url.signing_secret), false, 'the secret is shown only once');
});

test('a Typeform preset refuses a missing or wrong Typeform-Signature with 401 and stores nothing', async () => {
  const url = await createPreset({ preset: 'typeform' });
  const raw = JSON.stringify(typeformPayload('ev-unsigned'));
  const before = await leadCount('typeform');
  assertProblem(await post(url.path, raw), 401, /Typeform-Signature/);
  assertProblem(await post(url.path, raw, { 'Typeform-Signature': typeformSignature('not-the-secret', raw) }), 401, /Typeform-Signature/);
  const tampered = raw.replace('laura@', 'mallory@');
  assertProblem(await post(url.path, tampered, { 'Typeform-Signature': typeformSignature(url.signing_secret, raw) }), 401);
  // Tally's bare base64 is not Typeform's scheme (it needs the sha256= prefix).
  assertProblem(await post(url.path, raw, { 'Typeform-Signature': tallySignature(url.signing_secret, raw) }), 401);
  assert.equal(await leadCount('typeform'), before);
});

test("Typeform's retries of one event_id make one lead: 200 with Idempotent-Replayed", async () => {
  const url = await createPreset({ preset: 'typeform' });
  const raw = JSON.stringify(typeformPayload('ev-retried'));
  const headers = { 'Typeform-Signature': typeformSignature(url.signing_secret, raw) };
  const first = await post(url.path, raw, headers);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const again = await post(url.path, raw, headers);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.id, first.body.id);
  const leads = (await app.listLeads(ws.api_key, { source: 'typeform', limit: 100 })).data;
  assert.equal(leads.filter((l) => l.id === first.body.id).length, 1);
});

test('a Tally preset: signed FORM_RESPONSE → one lead mapped by label, choices as their texts', async () => {
  const url = await createPreset({ name: 'Tally', preset: 'tally', field_mapping: { name: 'What is your name?', company: 'question_3EKz4n' } });
  assert.deepEqual([url.preset, url.signed], ['tally', true]);
  const raw = JSON.stringify(tallyPayload('a4cb511e-d513-4fa5-baee-b815d718dfd1'));
  const created = await post(url.path, raw, { 'Tally-Signature': tallySignature(url.signing_secret, raw) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const lead = await leadById(created.body.id);
  assert.deepEqual([lead.email, lead.name, lead.phone, lead.company, lead.source], ['alice@example.com', 'Alice', '+3212345678', 'Acme', 'tally']);
  assert.deepEqual(lead.custom, { Interests: 'Sales, Billing' });

  // An optional question left blank: Tally sends it with a null value.
  const blankRaw = JSON.stringify(tallyPayload('b5dc622f-0000-4000-8000-000000000002', { company: null }));
  const blank = await post(url.path, blankRaw, { 'Tally-Signature': tallySignature(url.signing_secret, blankRaw) });
  assert.equal(blank.status, 201, JSON.stringify(blank.body));
  const blankLead = await leadById(blank.body.id);
  assert.deepEqual([blankLead.email, blankLead.name, blankLead.phone, blankLead.company ?? null], ['alice@example.com', 'Alice', '+3212345678', null]);
});

test('a Tally preset refuses a missing or wrong Tally-Signature with 401 and stores nothing', async () => {
  const url = await createPreset({ preset: 'tally' });
  const raw = JSON.stringify(tallyPayload('ev-tally-unsigned'));
  const before = await leadCount('tally');
  assertProblem(await post(url.path, raw), 401, /Tally-Signature/);
  assertProblem(await post(url.path, raw, { 'Tally-Signature': tallySignature('not-the-secret', raw) }), 401, /Tally-Signature/);
  assertProblem(await post(url.path, raw, { 'Tally-Signature': typeformSignature(url.signing_secret, raw) }), 401);
  assert.equal(await leadCount('tally'), before);
});

test("Tally's retries of one eventId make one lead: 200 with Idempotent-Replayed", async () => {
  const url = await createPreset({ preset: 'tally' });
  const raw = JSON.stringify(tallyPayload('c6ed733a-0000-4000-8000-000000000003'));
  const headers = { 'Tally-Signature': tallySignature(url.signing_secret, raw) };
  const first = await post(url.path, raw, headers);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const again = await post(url.path, raw, headers);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.id, first.body.id);
});

test('presets are checked at creation: unknown preset and non-string mappings are 422s that name the field', async () => {
  const unknown = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { preset: 'jotform' });
  assertProblem(unknown, 422);
  assert.deepEqual(unknown.body.errors.map((e) => e.field), ['preset']);
  const badMapping = await app.api(ws.api_key, 'POST', '/api/v1/inbound-webhooks', { preset: 'tally', field_mapping: { email: 5, name: 'Name' } });
  assertProblem(badMapping, 422);
  assert.deepEqual(badMapping.body.errors.map((e) => e.field), ['field_mapping.email']);
  // Unsigned on purpose: no secret, and the tool's payload is still understood.
  const unsigned = await createPreset({ preset: 'tally', require_signature: false });
  assert.deepEqual([unsigned.signed, unsigned.signing_secret], [false, null]);
  const accepted = await post(unsigned.path, JSON.stringify(tallyPayload('d7fe844b-0000-4000-8000-000000000004')));
  assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  // A payload of another tool's shape is named, not stored.
  const wrongShape = await post(unsigned.path, JSON.stringify({ email: 'x@example.com' }));
  assertProblem(wrongShape, 422);
  assert.deepEqual(wrongShape.body.errors.map((e) => e.field), ['eventType']);
});
