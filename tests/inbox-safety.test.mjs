// The inbox against hostile data and hostile requests, in real Chromium:
// an XSS lead renders as text everywhere, state changes need the session's
// CSRF token and our Origin, forged/expired/revoked sessions go to sign-in,
// another workspace's lead is a 404, and axe finds no violation of any impact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useAppAndBrowser } from "./support/browser.mjs";
import { inboxLink, signInWithLink, sessionCookie, postForm, csrfOf, axeViolations } from "./support/inbox.mjs";

const fixture = useAppAndBrowser();

const IMG = "<img src=x onerror=alert(1)>";
const JS_URL = "javascript:alert(2)";
const SVG = '"><svg onload=alert(3)>';
const HOSTILE = `${IMG} ${SVG}`;

/** A lead with hostile text in every field the capture keeps. */
async function xssLead(app, ws) {
  const fields = {
    email: "x@example.com", name: HOSTILE, phone: "+1 555 0100", company: HOSTILE, message: HOSTILE, campaign: HOSTILE,
    utm_source: HOSTILE, utm_medium: HOSTILE, utm_campaign: HOSTILE, utm_term: HOSTILE, utm_content: HOSTILE,
    page_url: JS_URL, referrer: JS_URL, page_title: HOSTILE, form_id: HOSTILE, form_name: HOSTILE, form_action: JS_URL,
    [SVG]: HOSTILE, website: JS_URL,
  };
  const created = await app.capture(ws, fields, { headers: { "User-Agent": HOSTILE } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const patched = await app.api(ws.api_key, "PATCH", `/api/v1/leads/${id}`, { tags: [IMG.slice(0, 40), SVG], note: `${HOSTILE} ${JS_URL}` });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const noted = await app.api(ws.api_key, "POST", `/api/v1/leads/${id}/notes`, { body: `${SVG} ${IMG}` });
  assert.equal(noted.status, 201, JSON.stringify(noted.body));
  return id;
}

async function noInjectedMarkup(page) {
  return page.evaluate(() => ({
    imgs: document.querySelectorAll("main img, main svg, main iframe, main script").length,
    handlers: [...document.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).length,
    jsLinks: [...document.querySelectorAll("[href], [src], [action]")].filter((el) => /^\s*javascript:/i.test(el.getAttribute("href") ?? el.getAttribute("src") ?? el.getAttribute("action"))).length,
  }));
}

test("a lead with markup, javascript: URLs and attribute breakouts in every field renders as text, executing nothing", async () => {
  const { app, browser } = fixture;
  const ws = await app.createWorkspace({ name: HOSTILE });
  const id = await xssLead(app, ws);
  const { context, page, problems } = await signInWithLink(browser, await inboxLink(app, ws));
  assert.ok((await page.locator("#leads").innerText()).includes(IMG), "the list shows the name as text");
  assert.deepEqual(await noInjectedMarkup(page), { imgs: 0, handlers: 0, jsLinks: 0 });

  await page.goto(`${app.baseUrl}/app/leads/${id}`);
  const main = await page.locator("main").innerText();
  for (const text of [IMG, SVG.trim(), JS_URL]) assert.ok(main.includes(text), `the lead page shows ${text} as text`);
  assert.equal(await page.locator("li.note .note-body").last().innerText(), `${SVG} ${IMG}`, "a note is text too");
  assert.ok((await page.title()).includes(IMG), "the title is text too");
  assert.deepEqual(await noInjectedMarkup(page), { imgs: 0, handlers: 0, jsLinks: 0 });

  for (const path of [`/app?q=${encodeURIComponent(HOSTILE)}&status=all`, `/app?tag=${encodeURIComponent(SVG)}&status=all`, "/app/settings"]) {
    await page.goto(`${app.baseUrl}${path}`);
    assert.deepEqual(await noInjectedMarkup(page), { imgs: 0, handlers: 0, jsLinks: 0 }, path);
  }
  assert.deepEqual(problems, [], "no dialog, no page error, no console error");
  await context.close();
});

test("a state change without the session's CSRF token, or from another Origin, is refused and changes nothing", async () => {
  const { app, browser } = fixture;
  const ws = await app.createWorkspace({ name: "csrf" });
  const id = (await app.capture(ws, { email: "c@example.com" })).body.id;
  const { context, page } = await signInWithLink(browser, await inboxLink(app, ws));
  const cookie = await sessionCookie(context, app.baseUrl);
  const csrf = await csrfOf(page);
  const other = await app.createWorkspace({ name: "other csrf" });
  const { context: otherContext, page: otherPage } = await signInWithLink(browser, await inboxLink(app, other));

  const path = `/app/leads/${id}/status`;
  for (const [why, fields, origin] of [
    ["no token", { status: "won" }, app.baseUrl],
    ["a wrong token", { status: "won", _csrf: "0".repeat(64) }, app.baseUrl],
    ["another session's token", { status: "won", _csrf: await csrfOf(otherPage) }, app.baseUrl],
    ["a foreign Origin", { status: "won", _csrf: csrf }, "https://evil.example"],
    ["no Origin", { status: "won", _csrf: csrf }, null],
  ]) {
    const refused = await postForm(app, path, fields, { cookie, origin });
    assert.equal(refused.status, 403, `${why}: ${refused.text.slice(0, 200)}`);
  }
  assert.equal((await app.api(ws.api_key, "GET", `/api/v1/leads/${id}`)).body.status, "new");
  const signOut = await postForm(app, "/app/sign-out", {}, { cookie });
  assert.equal(signOut.status, 403, "sign-out needs the token too");

  const accepted = await postForm(app, path, { status: "won", _csrf: csrf }, { cookie });
  assert.equal(accepted.status, 303, accepted.text);
  assert.equal((await app.api(ws.api_key, "GET", `/api/v1/leads/${id}`)).body.status, "won");
  await otherContext.close();
  await context.close();
});

test("forged, expired and revoked-key sessions go to sign-in, never a 5xx; another workspace's lead is a 404", async () => {
  const { app, browser } = fixture;
  for (const cookie of ["lb_session=lbs_forged000000000000000", "lb_session=%3Cscript%3E", "lb_session=", "lb_session=" + "a".repeat(5000)]) {
    for (const [path, next] of [["/app", null], ["/app/leads/lead_01J00000000000000000000000", "/app/leads/lead_01J00000000000000000000000"], ["/app/settings", "/app/settings"], ["/app/poll", null]]) {
      const response = await fetch(`${app.baseUrl}${path}`, { headers: { Cookie: cookie }, redirect: "manual" });
      assert.equal(response.status, 303, `${path} with ${cookie.slice(0, 40)}`);
      // A page's deep link is kept for after sign-in; the list's front and the poll need none.
      assert.equal(response.headers.get("location"), next ? `/app/sign-in?next=${encodeURIComponent(next)}` : "/app/sign-in");
    }
  }

  const ws = await app.createWorkspace({ name: "sessions" });
  const { context } = await signInWithLink(browser, await inboxLink(app, ws));
  const cookie = await sessionCookie(context, app.baseUrl);
  const ok = await fetch(`${app.baseUrl}/app`, { headers: { Cookie: cookie }, redirect: "manual" });
  assert.equal(ok.status, 200);

  const other = await app.createWorkspace({ name: "someone else" });
  const foreign = (await app.capture(other, { email: "theirs@example.com", name: "Not yours" })).body.id;
  const notFound = await fetch(`${app.baseUrl}/app/leads/${foreign}`, { headers: { Cookie: cookie } });
  assert.equal(notFound.status, 404);
  assert.ok(!(await notFound.text()).includes("Not yours"));
  const change = await postForm(app, `/app/leads/${foreign}/status`, { status: "won", _csrf: "x" }, { cookie });
  assert.equal(change.status, 403, "the CSRF check comes first");

  await app.sql(`UPDATE inbox_sessions SET expires_at = 1 WHERE workspace_id = '${ws.id}'`);
  const expired = await fetch(`${app.baseUrl}/app`, { headers: { Cookie: cookie }, redirect: "manual" });
  assert.equal(expired.status, 303, "an expired session goes to sign-in");

  const keyed = await signInWithLink(browser, await inboxLink(app, other));
  const keyedCookie = await sessionCookie(keyed.context, app.baseUrl);
  const admin2 = (await app.api(other.api_key, "POST", "/api/v1/keys", { name: "second admin", scopes: ["admin"] })).body.key;
  const first = (await app.api(admin2, "GET", "/api/v1/keys")).body.data.find((k) => k.name !== "second admin");
  assert.equal((await app.api(admin2, "DELETE", `/api/v1/keys/${first.id}`)).status, 204);
  const revoked = await fetch(`${app.baseUrl}/app`, { headers: { Cookie: keyedCookie }, redirect: "manual" });
  assert.equal(revoked.status, 303, "the session died with its key");
  await keyed.context.close();
  await context.close();
});

test("settings: origins, a new key shown once and revoked, a new public token in the embed snippet", async () => {
  const { app, browser } = fixture;
  const ws = await app.createWorkspace({ name: "settings" });
  const { context, page, problems } = await signInWithLink(browser, await inboxLink(app, ws));
  await page.goto(`${app.baseUrl}/app/settings`);
  await page.getByLabel(/Sites whose pages/).fill("https://site.example\nhttps://www.site.example");
  await page.getByRole("button", { name: "Save origins" }).click();
  await page.waitForURL("**/app/settings");
  assert.deepEqual((await app.api(ws.api_key, "GET", "/api/v1/workspace")).body.allowed_origins, ["https://site.example", "https://www.site.example"]);

  await page.getByLabel("New key name").fill("ci");
  await page.getByLabel("write").check();
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.locator("#new-key").innerText()).trim();
  assert.match(secret, /^lb_sk_/);
  assert.equal((await app.api(secret, "GET", "/api/v1/leads")).status, 200);
  await page.goto(`${app.baseUrl}/app/settings`);
  assert.ok(!(await page.content()).includes(secret), "shown once");
  await page.getByRole("button", { name: "Revoke key ci" }).click();
  await page.waitForURL("**/app/settings");
  assert.equal((await app.api(secret, "GET", "/api/v1/leads")).status, 401);

  // The token is kept only as a hash: a snippet with its end cut off is not offered for copying.
  assert.match(await page.locator("#snippet").innerText(), /data-token="pk_[^"]*…"/);
  assert.equal(await page.locator('button[data-copy="snippet"]').count(), 0, "no Copy for a snippet that would capture nothing");
  await page.getByRole("button", { name: "Get a new public token" }).click();
  const snippet = await page.locator("#snippet").innerText();
  const token = snippet.match(/data-token="(pk_[^"]+)"/)[1];
  const captured = await app.request("POST", `/api/inbound/${ws.id}/leads`, { headers: { "X-LeadsBot-Token": token, Origin: "https://site.example" }, body: { email: "s@example.com" } });
  assert.equal(captured.status, 201, "the snippet's token captures");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a new workspace's empty list shows how to get the first lead: its snippet, copied with Copy, captures", async () => {
  const { app, browser } = fixture;
  const ws = await app.createWorkspace({ name: "first lead" });
  const { context, page, problems } = await signInWithLink(browser, await inboxLink(app, ws), { permissions: ["clipboard-read", "clipboard-write"] });
  await page.getByRole("heading", { name: "Get your first lead" }).waitFor();
  assert.deepEqual(await axeViolations(page), [], "the empty state");
  await page.getByRole("button", { name: "Show my snippet" }).click();
  await page.getByRole("button", { name: "Copy the snippet" }).click();
  await page.getByRole("button", { name: "Copy the snippet" }).getByText("Copied").waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.locator("#snippet").innerText(), "the whole snippet, as shown");
  const token = copied.match(/data-token="(pk_[^"…]+)"/)[1];
  assert.ok(copied.includes(`src="${app.baseUrl}/widget.js"`), copied);
  const captured = await app.request("POST", `/api/inbound/${ws.id}/leads`, { headers: { "X-LeadsBot-Token": token, Origin: "https://site.example" }, body: { email: "first@example.com", name: "First Lead" } });
  assert.equal(captured.status, 201, "the copied snippet's token captures");
  await page.goto(`${app.baseUrl}/app`);
  await page.locator("#leads").getByText("First Lead").waitFor();
  assert.equal(await page.getByRole("heading", { name: "Get your first lead" }).count(), 0, "gone once a lead is in");
  await page.goto(`${app.baseUrl}/app?q=nothing-matches-this`);
  assert.equal(await page.getByText("No leads here.").count(), 1, "an empty search is not a new workspace");
  assert.deepEqual(problems, []);
  await context.close();
});

test("axe-core finds no violation of any impact on the list, lead, conflict, settings and sign-in pages, light and dark", async () => {
  const { app, browser } = fixture;
  const ws = await app.createWorkspace({ name: "axe" });
  const id = await xssLead(app, ws);
  await app.capture(ws, { email: "plain@example.com", name: "Plain Lead", company: "Acme" });
  const { context, page } = await signInWithLink(browser, await inboxLink(app, ws));
  for (const path of ["/app", `/app/leads/${id}`, "/app/settings", "/app?status=spam", "/app?status=all&q=plain", "/app?status=won"]) {
    await page.goto(`${app.baseUrl}${path}`);
    assert.deepEqual(await axeViolations(page), [], path);
  }
  // The conflict page: a Save on a lead someone changed meanwhile.
  await page.goto(`${app.baseUrl}/app/leads/${id}`);
  await page.getByLabel("Status").selectOption("qualified");
  assert.equal((await app.api(ws.api_key, "PATCH", `/api/v1/leads/${id}`, { status: "won", add_tags: ["<b>x</b>"] })).status, 200);
  page.on("dialog", (dialog) => dialog.dismiss().catch(() => {}));
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("heading", { name: "This lead changed since you opened it" }).waitFor();
  assert.equal(await page.locator("ul.drift b").count(), 0, "lead data stays text on the conflict page");
  assert.deepEqual(await axeViolations(page), [], "conflict page");

  // Dark mode: the same pages in dark colours, and axe still finds nothing.
  const dark = await signInWithLink(browser, await inboxLink(app, ws), { colorScheme: "dark" });
  for (const path of ["/app", `/app/leads/${id}`, "/app/settings", "/app?status=all&q=plain"]) {
    await dark.page.goto(`${app.baseUrl}${path}`);
    const background = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 120, `${path} is dark in dark mode (${background})`);
    assert.deepEqual(await axeViolations(dark.page), [], `${path}, dark`);
  }
  await dark.context.close();
  const anonymous = await browser.newPage();
  await anonymous.goto(`${app.baseUrl}/app/sign-in`);
  assert.deepEqual(await axeViolations(anonymous), [], "sign-in");
  await anonymous.close();
  await context.close();
});
