// What never leaves the browser, checked in Chromium at every place it could
// leak: each request the page sends, localStorage before the wasm has loaded
// and after, the stored lead and its webhook. The loader's rule is also run
// over the corpus the server's rule is tested with (tests/fixtures/privacy.json).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  useAppAndBrowser, createWidgetWorkspace, pageUrl, openPage, waitForWidgetEvent, waitForEmptyOutbox, theOnlyLead,
} from "./support/browser.mjs";
import { startReceiver } from "./support/receiver.mjs";

const fixture = useAppAndBrowser();
const corpus = JSON.parse(readFileSync(new URL("./fixtures/privacy.json", import.meta.url), "utf8"));
let receiver;
before(async () => (receiver = await startReceiver()));
after(() => receiver?.close());

/** What the checkout page's secret fields are filled with. */
const CHECKOUT_SECRETS = {
  card_number: "4242 4242 4242 4242",
  cvc: "737",
  "exp-date": "12/29",
  holder: "ADA Q LOVELACE",
  pan_field: "4000 0566 5566 5556",
  f9: "9812",
  iban: "DE89 3704 0044 0532 0130 00",
  ssn: "078-05-1120",
  reference: "5555 5555 5555 4444",
};

/** Every string in a JSON text, including JSON held inside strings (the outbox keeps bodies as text). */
function stringsIn(text) {
  const found = [];
  const walk = (value) => {
    if (typeof value === "string") {
      found.push(value);
      if (/^\s*[[{]/.test(value)) walk(parse(value));
    } else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) found.push(key), walk(inner);
    } else if (typeof value === "number") found.push(String(value));
  };
  const parse = (t) => {
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  };
  walk(parse(text));
  return found;
}

/** No secret appears in `text`: long ones anywhere (also without spaces), short ones as a whole value. */
function assertNoSecrets(where, text, secrets) {
  const values = stringsIn(text);
  for (const secret of secrets) {
    const compact = secret.replace(/[ -]/g, "");
    const leaked = secret.length >= 8 ? text.includes(secret) || text.includes(compact) : values.some((v) => v.trim() === secret);
    assert.ok(!leaked, `${where} holds ${secret}: ${text}`);
  }
}

/**
 * Opens a test page with the wasm held back (so what the loader alone wrote can
 * be read) and every request body recorded.
 */
async function openHeld(url) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  const sent = [];
  const { context, page } = await openPage(fixture.browser, url, {
    beforeLoad: async (page) => {
      page.on("request", (request) => sent.push({ url: request.url(), body: request.postData() ?? "" }));
      await page.route(/\/widget-[0-9a-f]+\.wasm$/, async (route) => {
        await held;
        await route.continue();
      });
    },
  });
  await page.waitForFunction(() => document.leadsbotListening);
  return { context, page, sent, releaseWasm: release };
}

const storageOf = (page) => page.evaluate(() => JSON.stringify({ ...localStorage }));
// The loader's key for snapshots in today's layout (Format in widget/src/payload.rs).
const pendingOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("leadsbot:pending:2") || "[]"));
const inboundBodies = (sent) => sent.filter((r) => r.url.includes("/api/inbound/")).map((r) => r.body);

test("a checkout form sends the lead, and nothing of the card, bank or identity fields, anywhere", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "checkout");
  const hook = await fixture.app.api(ws.api_key, "POST", "/api/v1/webhooks", { url: receiver.url("/checkout"), events: ["lead.created"] });
  assert.equal(hook.status, 201);
  const { context, page, sent, releaseWasm } = await openHeld(pageUrl(fixture.app.baseUrl, "checkout.html", { token: ws.public_token }));
  let releaseApi;
  const apiHeld = new Promise((resolve) => (releaseApi = resolve));
  await page.route(/\/api\/inbound\//, async (route) => {
    await apiHeld;
    await route.continue();
  });
  const secrets = [...Object.values(CHECKOUT_SECRETS), "csrf-checkout-secret"];

  await page.fill("#checkout [name=email]", "pay@example.com");
  await page.fill("#checkout [name=name]", "Ada Lovelace");
  for (const [name, value] of Object.entries(CHECKOUT_SECRETS)) await page.fill(`#checkout [name="${name}"]`, value);
  await page.fill("#checkout [name=discount_code]", "SPRING24");
  await page.click("#checkout button");
  await page.waitForFunction(() => window.siteSubmits === 1);

  // Before the wasm exists, the loader has kept the submission, and only the lead.
  const early = await storageOf(page);
  assert.match(early, /pay@example\.com/, "the loader kept the submission for the wasm");
  assertNoSecrets("localStorage before the wasm loaded", early, secrets);

  // With the wasm running and the request in flight, the outbox holds the body.
  releaseWasm();
  await page.waitForFunction(() => localStorage.getItem("leadsbot:outbox"));
  assertNoSecrets("localStorage with the request in flight", await storageOf(page), secrets);
  releaseApi();
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  assertNoSecrets("localStorage after sending", await storageOf(page), secrets);

  const bodies = inboundBodies(sent);
  assert.equal(bodies.length, 1);
  assert.match(bodies[0], /pay@example\.com/);
  for (const request of sent) assertNoSecrets(`the request to ${request.url}`, request.body, secrets);

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "pay@example.com");
  assert.equal(lead.name, "Ada Lovelace");
  assert.deepEqual(lead.custom, { discount_code: "SPRING24" });
  assertNoSecrets("the stored lead", JSON.stringify(lead), secrets);
  await receiver.waitForCount("/checkout", 1);
  for (const delivery of receiver.to("/checkout")) assertNoSecrets("the webhook", delivery.rawBody, secrets);
  await context.close();
});

test("a sign-in form is not a lead; a sign-up with data-leadsbot-capture is, without its password", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "login");
  const { context, page, sent, releaseWasm } = await openHeld(pageUrl(fixture.app.baseUrl, "checkout.html", { token: ws.public_token }));
  const passwords = ["hunter2-sign-in", "hunter2-sign-up"];

  await page.fill("#login [name=email]", "login@example.com");
  await page.fill("#login [name=password]", passwords[0]);
  await page.click("#login button");
  const [skipped] = await waitForWidgetEvent(page, "leadsbot:skipped");
  assert.deepEqual(skipped.detail, { reason: "password" });
  assert.deepEqual(await pendingOf(page), [], "nothing of the sign-in form is kept");
  assert.doesNotMatch(await storageOf(page), /login@example\.com|hunter2/);

  await page.fill("#signup [name=email]", "signup@example.com");
  await page.fill("#signup [name=company]", "Opt In Ltd");
  await page.fill("#signup [name=password]", passwords[1]);
  await page.fill("#signup [name=password_confirm]", passwords[1]);
  await page.click("#signup button");
  await page.waitForFunction(() => window.siteSubmits === 2);
  assert.equal((await pendingOf(page)).length, 1, "the opted-in form is kept");
  assertNoSecrets("localStorage before the wasm loaded", await storageOf(page), passwords);

  releaseWasm();
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.deepEqual([lead.email, lead.company, lead.custom], ["signup@example.com", "Opt In Ltd", {}]);
  const bodies = inboundBodies(sent);
  assert.equal(bodies.length, 1, "one request: the sign-up");
  assert.doesNotMatch(bodies[0], /login@example\.com/);
  for (const request of sent) assertNoSecrets(`the request to ${request.url}`, request.body, passwords);
  await context.close();
});

test("the loader drops exactly what the shared corpus says, before storing anything", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "corpus");
  const { context, page, sent, releaseWasm } = await openHeld(pageUrl(fixture.app.baseUrl, "checkout.html", { token: ws.public_token }));
  const controls = corpus.controls.map((c, i) => ({
    type: c.type || "text",
    name: c.name || `probe_${i}`,
    autocomplete: c.autocomplete || "",
    value: c.value || `probe-value-${i}`,
    drop: c.drop,
  }));
  assert.equal(new Set(controls.map((c) => c.name)).size, controls.length, "corpus names are unique");

  await page.evaluate((controls) => {
    const form = document.createElement("form");
    form.id = "corpus";
    form.setAttribute("data-site-ajax", "");
    form.setAttribute("data-leadsbot-capture", "");
    const email = Object.assign(document.createElement("input"), { type: "email", name: "email", value: "corpus@example.com" });
    form.append(email);
    for (const c of controls) {
      const input = Object.assign(document.createElement("input"), { type: c.type, name: c.name, value: c.value });
      if (c.autocomplete) input.setAttribute("autocomplete", c.autocomplete);
      form.append(input);
    }
    document.body.append(form);
    form.requestSubmit();
  }, controls);

  const [snapshot] = await pendingOf(page);
  assert.ok(snapshot, "the loader kept the submission");
  const rows = [];
  // 8 header cells, then [explicit, type, name, autocomplete, value, label] (widget/src/payload.rs).
  for (let i = 8; i < snapshot.length; i += 6) rows.push(snapshot.slice(i, i + 6));
  const wrong = controls
    .filter((c) => rows.some(([, , name, , value]) => name === c.name && value === c.value) === c.drop)
    .map((c) => `${c.type} ${JSON.stringify(c.name)} ${JSON.stringify(c.autocomplete)} ${JSON.stringify(c.value)} should drop: ${c.drop}`);
  assert.deepEqual(wrong, []);

  releaseWasm();
  await waitForWidgetEvent(page, "leadsbot:captured");
  const [body] = inboundBodies(sent);
  const values = stringsIn(body);
  for (const c of controls.filter((c) => c.drop)) assert.ok(!values.includes(c.value), `sent ${c.name} = ${c.value}`);
  await context.close();
});
