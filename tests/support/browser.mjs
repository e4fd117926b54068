// Browser fixtures for the widget's end-to-end tests (tests/widget*.test.mjs):
// Debian's chromium driven by playwright-core, pages served by the worker.
// The worker itself comes from tests/support/app.mjs.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { before, after } from "node:test";
import { spawnApp } from "./app.mjs";

// --disable-dev-shm-usage: shared memory in a file under /tmp, not /dev/shm, which a
// container may cap at 64 MB: with several browsers at once (files run side by side)
// renderers would otherwise crash there, and a crashed page only ever times out.
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
  "--disable-dev-shm-usage",
];

/** The system chromium; never a downloaded browser. */
export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/**
 * One worker and one browser for a whole test file, stopped after it.
 * Returns a holder whose `app` and `browser` are set once `before` has run.
 */
export function useAppAndBrowser(appOptions = {}) {
  const fixture = { app: undefined, browser: undefined };
  before(async () => {
    fixture.app = await spawnApp(appOptions);
    fixture.browser = await launchBrowser();
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.app?.stop();
  });
  return fixture;
}

/** A workspace whose token may be used from the worker's own origin (and any others given). */
export function createWidgetWorkspace(app, name, extraOrigins = []) {
  return app.createWorkspace({ name, allowed_origins: [app.baseUrl, ...extraOrigins] });
}

/** The URL of a test page (tests/pages/…) with the widget settings in its query. */
export function pageUrl(origin, page, params = {}) {
  const query = new URLSearchParams(params).toString();
  return `${origin}/test-pages/${page}${query ? `?${query}` : ""}`;
}

/** A fresh context (its own storage) and page; the caller closes the context. */
export async function openPage(browser, url, { beforeLoad } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
  page.on("crash", () => console.error(`the page crashed: ${url}`));
  if (beforeLoad) await beforeLoad(page, context);
  await page.goto(url);
  return { context, page };
}

// Timeouts are generous: the machine may be busy building; every wait is on a condition.

/** Waits until the page has recorded `count` widget events of `type` (see tests/pages/site.js). */
export async function waitForWidgetEvent(page, type, count = 1, timeout = 30000) {
  await page.waitForFunction(
    ([type, count]) => (window.widgetEvents || []).filter((e) => e.type === type).length >= count,
    [type, count],
    { timeout },
  );
  return page.evaluate((type) => window.widgetEvents.filter((e) => e.type === type), type);
}

/** The submissions the widget still holds for retry on this page's origin. */
export function outboxOf(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem("leadsbot:outbox") || "{}"));
}

/** Waits until the widget holds nothing back: everything sent has been answered. */
export async function waitForEmptyOutbox(page, timeout = 30000) {
  await page.waitForFunction(() => !localStorage.getItem("leadsbot:outbox"), null, { timeout });
}

/** Waits for the first lead to be stored, then asserts it is the only one. */
export async function theOnlyLead(app, apiKey) {
  const leads = await app.waitFor(
    async () => {
      const { data } = await app.listLeads(apiKey);
      return data.length > 0 && data;
    },
    { timeoutMs: 30000 },
  );
  assert.equal(leads.length, 1, `expected exactly one lead, got ${JSON.stringify(leads)}`);
  return leads[0];
}

export async function leadCount(app, apiKey) {
  const { data } = await app.listLeads(apiKey);
  return data.length;
}
