// The widget's delivery guarantees in a real browser: nothing typed is lost
// offline or on server errors, nothing is stored twice, the visit's campaign
// follows the visitor, and it all works under a strict CSP and cross-origin.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readdirSync } from "node:fs";
import { basename } from "node:path";
import {
  useAppAndBrowser, createWidgetWorkspace, pageUrl, openPage, waitForWidgetEvent,
  waitForEmptyOutbox, outboxOf, theOnlyLead, leadCount,
} from "./support/browser.mjs";

const fixture = useAppAndBrowser();

async function submitLateForm(page, email, message = "") {
  await page.waitForSelector("#late");
  await page.fill("#late [name=email]", email);
  await page.fill("#late [name=message]", message);
  await page.click("#late button");
}

test("a submission made offline is kept and sent once when the browser is back online", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "offline");
  const url = pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token, late: 1 });
  const { context, page } = await openPage(fixture.browser, url);
  await waitForWidgetEvent(page, "leadsbot:ready");
  await context.setOffline(true);
  await submitLateForm(page, "offline@example.com", "Sent from a tunnel");
  const [failure] = await waitForWidgetEvent(page, "leadsbot:error");
  assert.equal(failure.detail.retrying, true);
  assert.equal(Object.keys(await outboxOf(page)).length, 1);
  assert.equal(await leadCount(fixture.app, ws.api_key), 0);

  await context.setOffline(false);
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "offline@example.com");
  assert.equal(lead.message, "Sent from a tunnel");
  await context.close();
});

test("a submission the server failed (503) is retried on the next page load, once", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "server error");
  const url = pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token, late: 1 });
  const { context, page } = await openPage(fixture.browser, url, {
    beforeLoad: (page) =>
      page.route(/\/api\/inbound\//, (route) =>
        route.fulfill({ status: 503, contentType: "application/problem+json", body: '{"title":"Down","status":503}' })),
  });
  await waitForWidgetEvent(page, "leadsbot:ready");
  await submitLateForm(page, "retry@example.com");
  const [failure] = await waitForWidgetEvent(page, "leadsbot:error");
  assert.equal(failure.detail.status, 503);
  assert.equal(await leadCount(fixture.app, ws.api_key), 0);

  await page.unroute(/\/api\/inbound\//);
  await page.reload();
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  await page.reload();
  await waitForWidgetEvent(page, "leadsbot:ready");
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "retry@example.com");
  await context.close();
});

test("a rejected submission (422) is reported and not retried", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "rejected");
  const url = pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token, late: 1 });
  const { context, page } = await openPage(fixture.browser, url);
  await waitForWidgetEvent(page, "leadsbot:ready");
  // Looks like an email to the browser (which skips forms with none), invalid to the server.
  await submitLateForm(page, "not..valid@example.com");
  const [failure] = await waitForWidgetEvent(page, "leadsbot:error");
  assert.equal(failure.detail.status, 422);
  assert.equal(failure.detail.retrying, false);
  assert.equal(failure.detail.problem.errors[0].field, "email");
  assert.deepEqual(await outboxOf(page), {});
  assert.equal(await leadCount(fixture.app, ws.api_key), 0);
  await context.close();
});

// What a loader from before the label hint (snapshot format one, five cells a
// control, under "leadsbot:pending") left when its page navigated away before
// its module loaded; the next page, after a deploy, runs the new loader.
const FORMAT_ONE_SNAPSHOT = [
  "6f1c1e0e-6d1a-4c55-9a43-2d3c9b5d0a11", "https://site.example/contact", "", "Contact", "wpcf7-f1", "", "/contact", "",
  "", "text", "your-name", "name", "Old Loader",
  "", "email", "your-email", "email", "old@example.com",
  "", "tel", "your-phone", "tel", "+44 20 7946 0001",
  "company", "text", "org", "", "Deploy Ltd",
  "", "textarea", "your-message", "", "Sent before the deploy",
];

test("a snapshot an older loader left in storage is read in its own layout and sent once after a deploy", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "deploy");
  // The page without the widget tag, only to plant the old loader's row on this origin.
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "contact.html"));
  await page.evaluate((snapshot) => localStorage.setItem("leadsbot:pending", JSON.stringify([snapshot])), FORMAT_ONE_SNAPSHOT);

  await page.goto(pageUrl(fixture.app.baseUrl, "contact.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  assert.equal(await page.evaluate(() => localStorage.getItem("leadsbot:pending")), null, "the old row is gone once sent");
  await page.reload();
  await waitForWidgetEvent(page, "leadsbot:ready");
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "old@example.com");
  assert.equal(lead.name, "Old Loader");
  assert.equal(lead.phone, "+44 20 7946 0001");
  assert.equal(lead.company, "Deploy Ltd");
  assert.equal(lead.message, "Sent before the deploy");
  assert.deepEqual(lead.custom, {});
  assert.equal(lead.page_url, "https://site.example/contact");
  assert.equal(await leadCount(fixture.app, ws.api_key), 1);
  await context.close();
});

test("a kept snapshot that is not all strings is dropped, and the ones after it are still sent", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "corrupt pending");
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "contact.html"));
  const good = ["7d2e5a1c-0b9f-4e8a-8c3d-5f6a7b8c9d0e", "https://site.example/contact", "", "", "", "", "", "",
    "", "email", "email", "", "kept@example.com", "Email"];
  // Another script wrote to the loader's key: a row with a number in it comes first.
  await page.evaluate((rows) => localStorage.setItem("leadsbot:pending:2", JSON.stringify(rows)), [[1, "x"], good]);

  await page.goto(pageUrl(fixture.app.baseUrl, "contact.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  assert.equal(await page.evaluate(() => localStorage.getItem("leadsbot:pending:2")), "[]");
  assert.equal((await theOnlyLead(fixture.app, ws.api_key)).email, "kept@example.com");
  assert.equal(await page.evaluate(() => window.widgetEvents.some((e) => e.type === "leadsbot:error")), false);
  await context.close();
});

test("UTM parameters from the landing page are carried to a form on a later page", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "utm");
  const landing = pageUrl(fixture.app.baseUrl, "contact.html", {
    token: ws.public_token, utm_source: "newsletter", utm_medium: "email", utm_campaign: "spring", utm_term: "leads", utm_content: "hero",
  });
  const { context, page } = await openPage(fixture.browser, landing);
  await waitForWidgetEvent(page, "leadsbot:ready");
  await page.goto(pageUrl(fixture.app.baseUrl, "ajax.html", { token: ws.public_token, late: 1 }));
  await submitLateForm(page, "utm@example.com");

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.utm_source, "newsletter");
  assert.equal(lead.utm_medium, "email");
  assert.equal(lead.utm_campaign, "spring");
  assert.equal(lead.utm_term, "leads");
  assert.equal(lead.utm_content, "hero");
  assert.doesNotMatch(lead.page_url, /utm_/);
  await context.close();
});

test("the widget works on a page with a strict CSP", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "csp");
  const url = pageUrl(fixture.app.baseUrl, "csp.html", { token: ws.public_token, late: 1 });
  const response = await fetch(url);
  const policy = response.headers.get("content-security-policy") || "";
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/, "the CSP header was not applied");
  const { context, page } = await openPage(fixture.browser, url);
  const violations = [];
  page.on("console", (message) => /Content.Security.Policy/i.test(message.text()) && violations.push(message.text()));
  await waitForWidgetEvent(page, "leadsbot:ready");
  await submitLateForm(page, "csp@example.com");

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "csp@example.com");
  assert.deepEqual(violations, []);
  await context.close();
});

test("a site on another origin loads the widget and sends leads cross-origin", async () => {
  const site = await startSiteServer(fixture.app.baseUrl);
  try {
    const ws = await createWidgetWorkspace(fixture.app, "cross origin", [site.origin]);
    const url = `${site.origin}/test-pages/ajax.html?` + new URLSearchParams({ token: ws.public_token, host: fixture.app.baseUrl, late: 1 });
    const { context, page } = await openPage(fixture.browser, url);
    await waitForWidgetEvent(page, "leadsbot:ready");
    await submitLateForm(page, "cors@example.com");
    const lead = await theOnlyLead(fixture.app, ws.api_key);
    assert.equal(lead.email, "cors@example.com");
    assert.ok(lead.page_url.startsWith(site.origin));
    await context.close();
  } finally {
    await site.close();
  }
});

test("widget assets are served with the right types and cache headers", async () => {
  const loader = await fetch(`${fixture.app.baseUrl}/widget.js`);
  assert.equal(loader.status, 200);
  assert.match(loader.headers.get("content-type"), /javascript/);
  assert.match(loader.headers.get("cache-control"), /max-age=300/);
  const source = await loader.text();
  const [wasmName] = source.match(/widget-[0-9a-f]+\.wasm/);
  const [glueName] = source.match(/widget-[0-9a-f]+\.js/);
  const wasm = await fetch(`${fixture.app.baseUrl}/${wasmName}`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  assert.equal(wasm.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const glue = await fetch(`${fixture.app.baseUrl}/${glueName}`);
  assert.match(glue.headers.get("content-type"), /javascript/);
  assert.equal(glue.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(glue.headers.get("access-control-allow-origin"), "*");
});

test("the production asset directory holds no test pages", async () => {
  const dist = new URL("../widget/dist/", import.meta.url);
  const served = readdirSync(dist, { recursive: true }).map(String);
  assert.ok(served.includes("widget.js"), "widget/dist is built");
  const testPages = readdirSync(new URL("./pages/", import.meta.url));
  assert.deepEqual(served.filter((file) => file.startsWith("test-pages") || testPages.includes(basename(file))), []);
});

/** A second origin serving the same test pages, proxied from the worker. */
async function startSiteServer(workerOrigin) {
  const server = http.createServer(async (request, response) => {
    const upstream = await fetch(workerOrigin + request.url);
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") || "text/plain" });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Another port is another origin.
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}
