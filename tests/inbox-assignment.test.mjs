// Assignment in the inbox, in real Chromium: the lead page's Assignee select
// is saved with the one Save (guarded like the status), the list shows who
// a lead is assigned to, and its Assignee filter finds them; axe stays clean
// and the policy strict on those pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useAppAndBrowser } from "./support/browser.mjs";
import { inboxLink, signInWithLink, axeViolations } from "./support/inbox.mjs";
import { acceptInvitation } from "./support/team.mjs";

const fixture = useAppAndBrowser({ mail: true });

test("choosing an assignee on the lead page saves it; the list shows and filters by it", async () => {
  const { app, browser } = fixture;
  const ws = await app.createWorkspace({ name: "inbox assignment", owner_email: "owner@example.com" });
  const rep = await app.api(ws.api_key, "POST", "/api/v1/members", { email: "rep@example.com", role: "member" });
  assert.equal(rep.status, 201, JSON.stringify(rep.body));
  await acceptInvitation(app, "rep@example.com", "Rita <Rep>");
  const ada = (await app.capture(ws, { email: "ada@example.com", name: "Ada Lovelace" })).body.id;
  const bob = (await app.capture(ws, { email: "bob@example.com", name: "Bob Builder" })).body.id;

  const { context, page, problems } = await signInWithLink(browser, await inboxLink(app, ws));
  await page.goto(`${app.baseUrl}/app/leads/${ada}`);
  const select = page.getByLabel("Assignee");
  assert.equal(await select.inputValue(), "", "nobody yet");
  assert.deepEqual(await select.locator("option").allTextContents(), ["Nobody", "owner@example.com", "Rita <Rep>"], "by name, else email");
  assert.deepEqual(await axeViolations(page), [], "lead page");
  const csp = (await page.request.get(`${app.baseUrl}/app/leads/${ada}`)).headers()["content-security-policy"];
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);

  await select.selectOption({ label: "Rita <Rep>" });
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.waitForFunction(() => document.querySelector("#save-status")?.textContent === "Saved.");
  assert.equal((await app.api(ws.api_key, "GET", `/api/v1/leads/${ada}`)).body.assignee, rep.body.id);
  assert.equal(await page.getByLabel("Assignee").inputValue(), rep.body.id, "the page shows it saved");
  const events = await app.api(ws.api_key, "GET", `/api/v1/events?type=lead.assigned&lead_id=${ada}`);
  assert.equal(events.body.data.length, 1, "the inbox's save raises lead.assigned as the API's does");

  await page.goto(`${app.baseUrl}/app`);
  const adaRow = page.locator(`#leads > li[data-id="${ada}"]`);
  assert.equal(await adaRow.locator(".assignee").innerText(), "assigned to Rita <Rep>");
  assert.equal(await page.locator(`#leads > li[data-id="${bob}"] .assignee`).count(), 0);
  assert.deepEqual(await axeViolations(page), [], "list with an assignee");

  await page.getByText("Filters", { exact: true }).click();
  await page.locator("#f-assignee").selectOption({ label: "Rita <Rep>" });
  await page.locator("form.filters").getByRole("button", { name: "Apply" }).click();
  await page.waitForURL((u) => u.searchParams.get("assignee") === rep.body.id);
  assert.deepEqual(await page.locator("#leads > li").evaluateAll((rows) => rows.map((r) => r.dataset.id)), [ada]);
  await page.locator("#f-assignee").selectOption({ label: "Unassigned" });
  await page.locator("form.filters").getByRole("button", { name: "Apply" }).click();
  await page.waitForURL((u) => u.searchParams.get("assignee") === "none");
  assert.deepEqual(await page.locator("#leads > li").evaluateAll((rows) => rows.map((r) => r.dataset.id)), [bob]);
  assert.equal(await page.locator('#f-assignee option[value="me"]').count(), 0, "an inbox opened with a link is no member: no Me");
  assert.deepEqual(problems, []);
  await context.close();
});
