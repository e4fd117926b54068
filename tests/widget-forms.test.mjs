// Forms the listener must capture though no submit event reaches the document:
// form.submit() called by a script, and forms inside open shadow roots.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  useAppAndBrowser, createWidgetWorkspace, pageUrl, openPage, waitForWidgetEvent, waitForEmptyOutbox,
  theOnlyLead, leadCount,
} from "./support/browser.mjs";

const fixture = useAppAndBrowser();

async function open(name) {
  const ws = await createWidgetWorkspace(fixture.app, name);
  const { context, page } = await openPage(fixture.browser, pageUrl(fixture.app.baseUrl, "scripted.html", { token: ws.public_token }));
  await waitForWidgetEvent(page, "leadsbot:ready");
  return { ws, context, page };
}

test("form.submit() called by the site's script is captured, and the form is still submitted", async () => {
  const { ws, context, page } = await open("form.submit");
  await page.fill("#scripted [name=email]", "scripted@example.com");
  await page.fill("#scripted [name=name]", "Scripted Sender");
  const sunk = page.waitForFunction(() => document.getElementById("sink").contentDocument?.title === "Thanks");
  await page.click("#send-scripted");
  await sunk;
  await waitForWidgetEvent(page, "leadsbot:captured");
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.deepEqual([lead.email, lead.name, lead.form_id], ["scripted@example.com", "Scripted Sender", "scripted"]);
  assert.equal(lead.form_action, `${fixture.app.baseUrl}/test-pages/thanks.html`);
  assert.equal(await page.evaluate(() => window.scriptedSubmits), 1);
  await context.close();
});

test("a second copy of the loader wraps form.submit() no second time", async () => {
  const { ws, context, page } = await open("loaded twice");
  await page.evaluate(() => new Promise((resolve, reject) => {
    const again = document.createElement("script");
    Object.assign(again, { src: "/widget.js", onload: resolve, onerror: reject });
    Object.assign(again.dataset, document.getElementById("leadsbot-listener").dataset);
    document.head.append(again);
  }));
  await waitForWidgetEvent(page, "leadsbot:ready", 2);
  await page.fill("#scripted [name=email]", "once@example.com");
  await page.click("#send-scripted");
  await waitForWidgetEvent(page, "leadsbot:captured");
  await waitForEmptyOutbox(page);
  assert.equal((await page.evaluate(() => window.widgetEvents.filter((e) => e.type === "leadsbot:captured"))).length, 1);
  assert.equal(await leadCount(fixture.app, ws.api_key), 1);
  await context.close();
});

test("a form in an open shadow root is captured, and the component's own handler still runs", async () => {
  const { ws, context, page } = await open("shadow root");
  await page.evaluate(() => window.addContactCard("card"));
  await page.fill("#card >> [name=email]", "shadow@example.com");
  await page.fill("#card >> [name=company]", "Shadow Ltd");
  await page.click("#card >> button");
  await waitForWidgetEvent(page, "leadsbot:captured");
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.deepEqual([lead.email, lead.company, lead.form_id], ["shadow@example.com", "Shadow Ltd", "card-form"]);
  assert.equal(await page.evaluate(() => window.componentSubmits), 1);
  assert.equal(await page.locator("#card >> #card-status").textContent(), "Sent by the component");
  await context.close();
});

test("forms in open shadow roots attached before the loader ran are captured (an upgraded component, declarative shadow DOM)", async () => {
  const { ws, context, page } = await open("early shadow roots");
  await page.fill("#early-card >> [name=email]", "early-card@example.com");
  await page.click("#early-card >> button");
  await waitForWidgetEvent(page, "leadsbot:captured");
  assert.equal(await page.evaluate(() => window.componentSubmits), 1);
  await page.fill("#declared >> [name=email]", "declared@example.com");
  await page.click("#declared >> button");
  await waitForWidgetEvent(page, "leadsbot:captured", 2);
  await waitForEmptyOutbox(page);
  const { data } = await fixture.app.listLeads(ws.api_key);
  assert.deepEqual(data.map((lead) => [lead.email, lead.form_id]).sort(), [
    ["declared@example.com", "declared-form"], ["early-card@example.com", "card-form"],
  ]);
  await context.close();
});

test("a shadow host inside data-leadsbot-ignore is left alone", async () => {
  const { ws, context, page } = await open("shadow ignored");
  await page.evaluate(() => window.addContactCard("ignored", { ignored: true }));
  await page.fill("#ignored >> [name=email]", "ignored@example.com");
  await page.click("#ignored >> button");
  // A lead submitted afterwards proves the earlier ones had every chance to arrive.
  await page.evaluate(() => window.addContactCard("after"));
  await page.fill("#after >> [name=email]", "after@example.com");
  await page.click("#after >> button");
  await waitForWidgetEvent(page, "leadsbot:captured");
  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "after@example.com");
  assert.equal(await page.evaluate(() => window.componentSubmits), 2);
  await context.close();
});
