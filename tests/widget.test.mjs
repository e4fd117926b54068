// The listener in a real browser: forms are captured however the site handles
// them, and each submission is stored exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  useAppAndBrowser, createWidgetWorkspace, pageUrl, openPage, waitForWidgetEvent,
  waitForEmptyOutbox, theOnlyLead, leadCount,
} from "./support/browser.mjs";

const fixture = useAppAndBrowser();

async function workspace(name) {
  return createWidgetWorkspace(fixture.app, name);
}

test("a static form that navigates away is stored anyway", async () => {
  const ws = await workspace("navigating form");
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "contact.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:ready");
  await page.fill("[name=email]", "nav@example.com");
  await page.fill("[name=name]", "Nav Igator");
  await page.fill("[name=phone]", "+1 555 0100");
  await page.fill("[name=company]", "Away Ltd");
  await page.fill("[name=message]", "Leaving now");
  await Promise.all([page.waitForURL(/\/thanks/), page.click("button[type=submit]")]);

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "nav@example.com");
  assert.equal(lead.name, "Nav Igator");
  assert.equal(lead.phone, "+1 555 0100");
  assert.equal(lead.company, "Away Ltd");
  assert.equal(lead.message, "Leaving now");
  assert.equal(lead.source, "widget");
  assert.equal(lead.campaign, "spring-launch");
  assert.equal(lead.form_id, "contact");
  assert.equal(lead.form_name, "contact-form");
  assert.equal(lead.form_action, `${fixture.app.baseUrl}/test-pages/thanks.html`);
  assert.equal(lead.page_title, "Contact us");
  // Workers assets serve `contact.html` at `/contact`; the page's `?token=` is
  // stripped on the server (a query parameter named token may carry a secret).
  assert.match(lead.page_url, /\/test-pages\/contact(\.html)?$/);
  await context.close();
});

test("an AJAX form whose site calls preventDefault is captured, and the site's handler still runs", async () => {
  const ws = await workspace("ajax form");
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:ready");
  await fillSignup(page, "ajax@example.com");
  await page.click("#signup button");
  const [captured] = await waitForWidgetEvent(page, "leadsbot:captured");
  assert.equal(await page.evaluate(() => window.siteSubmits), 1);
  assert.equal(await page.textContent("#site-status"), "Thanks from the site (1)");

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(captured.detail.id, lead.id);
  assert.equal(lead.email, "ajax@example.com");
  assert.equal(lead.name, "Ada Lovelace");
  assert.deepEqual(lead.custom, { plan: "pro", budget: "large", interests: ["sales", "billing"], team_size: "12" });
  await context.close();
});

test("passwords, files, CSRF tokens and ignored fields never reach the stored lead", async () => {
  const ws = await workspace("privacy");
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:ready");
  await fillSignup(page, "private@example.com");
  const sent = page.waitForRequest((r) => r.url().includes("/api/inbound/"));
  await page.click("#signup button");
  const body = (await sent).postData();
  await waitForWidgetEvent(page, "leadsbot:captured");

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  const stored = JSON.stringify(lead);
  for (const secret of ["hunter2", "csrf-secret-123", "4111111111111111", "cv.txt", "card_number", "csrf_token", "password"]) {
    assert.ok(!stored.includes(secret), `stored lead contains ${secret}`);
    assert.ok(!body.includes(secret), `request body contains ${secret}`);
  }
  await context.close();
});

test("an opted-out form and a form without email are ignored", async () => {
  const ws = await workspace("opt out");
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:ready");
  await page.fill("#newsletter [name=email]", "optout@example.com");
  await page.click("#newsletter button");
  await page.fill("#search [name=q]", "pricing");
  await page.click("#search button");
  await waitForWidgetEvent(page, "leadsbot:skipped");
  // A lead submitted afterwards proves the earlier ones had every chance to arrive.
  await fillSignup(page, "after@example.com");
  await page.click("#signup button");
  await waitForWidgetEvent(page, "leadsbot:captured");

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "after@example.com");
  assert.equal(await page.evaluate(() => window.siteSubmits), 3);
  await context.close();
});

test("data-forms limits the listener to the forms it selects", async () => {
  const ws = await workspace("forms selector");
  const url = pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token, forms: "#late", late: 1 });
  const { context, page } = await openPage(fixture.browser, url);
  await waitForWidgetEvent(page, "leadsbot:ready");
  await fillSignup(page, "unselected@example.com");
  await page.click("#signup button");
  await page.waitForSelector("#late");
  await page.fill("#late [name=email]", "selected@example.com");
  await page.click("#late button");
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "selected@example.com");
  assert.equal(await page.evaluate(() => window.siteSubmits), 2);
  await context.close();
});

test("a form added by script after load is captured", async () => {
  const ws = await workspace("late form");
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token, late: 1 }));
  await page.waitForSelector("#late");
  await page.fill("#late [name=email]", "late@example.com");
  await page.fill("#late [name=message]", "Rendered later");
  await page.click("#late button");

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "late@example.com");
  assert.equal(lead.message, "Rendered later");
  assert.equal(lead.form_id, "late");
  await context.close();
});

test("a submit 20 ms after the widget script runs, before the wasm has loaded, is captured", async () => {
  const ws = await workspace("early submit");
  let wasmRequested = false;
  let releaseWasm;
  const wasmHeld = new Promise((resolve) => (releaseWasm = resolve));
  const url = pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token, autosubmit: 20, prefill: "early@example.com" });
  const { context, page } = await openPage(fixture.browser, "about:blank", {
    beforeLoad: async (page) => {
      // Hold the wasm back so the submit is certain to come first.
      await page.route(/\/widget-[0-9a-f]+\.wasm$/, async (route) => {
        wasmRequested = true;
        await wasmHeld;
        await route.continue();
      });
    },
  });
  await page.goto(url);
  await page.waitForFunction(() => window.siteSubmits === 1);
  assert.equal(await page.evaluate(() => window.widgetEvents.length), 0, "the wasm was already running");
  assert.ok(wasmRequested);
  // Kept under its format's key: an older loader (a tab open across a deploy)
  // reads and clears "leadsbot:pending" and would misread six cells a control.
  const stored = await page.evaluate(() => ({ ...localStorage }));
  assert.deepEqual(Object.keys(stored), ["leadsbot:pending:2"]);
  const [snapshot] = JSON.parse(stored["leadsbot:pending:2"]);
  assert.equal((snapshot.length - 8) % 6, 0, "8 header cells, then 6 a control");
  releaseWasm();

  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "early@example.com");
  await context.close();
});

test("double-clicking submit stores one lead", async () => {
  const ws = await workspace("double click");
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:ready");
  await fillSignup(page, "twice@example.com");
  await page.dblclick("#signup button");
  await page.waitForFunction(() => window.siteSubmits === 2);
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "twice@example.com");
  const captured = await page.evaluate(() => window.widgetEvents.filter((e) => e.type === "leadsbot:captured"));
  assert.ok(captured.every((e) => e.detail.id === lead.id));
  assert.equal(await leadCount(fixture.app, ws.api_key), 1);
  await context.close();
});

test("the demo page (npm start) captures its contact form", async () => {
  const ws = await workspace("demo");
  const { context, page } = await openPage(fixture.browser, `${fixture.app.baseUrl}/demo/?token=${ws.public_token}`);
  await page.waitForFunction(() => document.getElementById("log").textContent.includes("leadsbot:ready"));
  await page.fill("#email", "demo@example.com");
  await page.fill("#name", "Demo Visitor");
  await page.fill("#message", "Trying it out");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.getElementById("log").textContent.includes("leadsbot:captured"));

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "demo@example.com");
  assert.equal(lead.campaign, "demo");
  assert.match(await page.textContent("#log"), new RegExp(lead.id));
  await context.close();
});

async function fillSignup(page, email) {
  await page.fill("#signup [name=work_email]", email);
  await page.fill("#signup [name=first_name]", "Ada");
  await page.fill("#signup [name=last_name]", "Lovelace");
  await page.fill("#signup [name=password]", "hunter2");
  await page.setInputFiles("#signup [name=cv]", { name: "cv.txt", mimeType: "text/plain", buffer: Buffer.from("cv") });
  await page.selectOption("#signup [name=budget]", "large");
  await page.check("#signup [value=sales]");
  await page.check("#signup [value=billing]");
  await page.fill("#signup [name=q7]", "12");
  await page.fill("#signup [name=card_number]", "4111111111111111");
}
