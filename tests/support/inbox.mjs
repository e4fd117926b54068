// Inbox (/app) helpers for the Chromium tests: sign in with a one-time link,
// read the session cookie, post forms as the page would.
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const axeSource = createRequire(import.meta.url)("axe-core").source;

/** A one-time sign-in link from the API (admin key). */
export async function inboxLink(app, ws) {
  const created = await app.api(ws.api_key, "POST", "/api/v1/inbox-links");
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.url;
}

/**
 * Opens `url` (a sign-in link) in a fresh context, signs in, and lands on /app.
 * `contextOptions`: Playwright's (viewport, colorScheme, permissions, timezoneId, locale…).
 */
export async function signInWithLink(browser, url, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(url);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/app");
  return { context, page, problems };
}

/** Records dialogs (auto-dismissed), page errors and console errors. */
export function watchProblems(page) {
  const problems = [];
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  return problems;
}

/** The `Cookie` header the context would send to /app. */
export async function sessionCookie(context, baseUrl) {
  const cookies = await context.cookies(`${baseUrl}/app`);
  const session = cookies.find((c) => c.name === "lb_session");
  assert.ok(session, "signed in: the session cookie is set");
  return `lb_session=${session.value}`;
}

/** A form post to the inbox, outside the browser (no redirects followed); `cookie` is the Set-Cookie answered. */
export async function postForm(app, path, fields, { cookie, origin = app.baseUrl } = {}) {
  const headers = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  if (origin) headers.Origin = origin;
  const response = await fetch(`${app.baseUrl}${path}`, { method: "POST", headers, body: new URLSearchParams(fields).toString(), redirect: "manual" });
  return { status: response.status, location: response.headers.get("location"), cookie: response.headers.get("set-cookie"), text: await response.text() };
}

/** The CSRF token the inbox put into the page. */
export function csrfOf(page) {
  return page.locator('meta[name="csrf-token"]').getAttribute("content");
}

/** axe-core's violations on the page, at every impact; asserts axe really ran its rules. */
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document));
  assert.ok(result.passes.length > 10, "axe ran its rules on the page");
  return result.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target).join(", ")}`);
}
