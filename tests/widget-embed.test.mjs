// Embed mode in a real browser: the widget renders its own accessible form in
// a shadow root, validates it, and sends through the same path as the listener.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  useAppAndBrowser, createWidgetWorkspace, pageUrl, openPage, waitForWidgetEvent, theOnlyLead, leadCount,
} from "./support/browser.mjs";

const fixture = useAppAndBrowser();

function embedUrl(token) {
  return pageUrl(fixture.app.baseUrl, "embed.html", { token, mode: "embed", target: "#contact-box", fields: "phone,company,budget" });
}

test("embed mode renders a labelled form isolated from the page's styles", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "embed render");
  const { context, page } = await openPage(fixture.browser, embedUrl(ws.public_token));
  await waitForWidgetEvent(page, "leadsbot:ready");
  const box = page.locator("#contact-box");
  for (const label of ["Email", "Name", "Phone", "Company", "budget", "Message"]) {
    await box.getByLabel(label, { exact: true }).waitFor();
  }
  assert.equal(await box.getByLabel("Email").getAttribute("required"), "");
  assert.equal(await box.getByLabel("Phone").getAttribute("type"), "tel");
  // The page styles every input with a dashed red border; ours must not inherit it.
  const border = await box.getByLabel("Email").evaluate((input) => getComputedStyle(input).borderTopStyle);
  assert.equal(border, "solid");
  await context.close();
});

test("embed mode announces validation errors and sends nothing until they are fixed", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "embed validate");
  const { context, page } = await openPage(fixture.browser, embedUrl(ws.public_token));
  await waitForWidgetEvent(page, "leadsbot:ready");
  const box = page.locator("#contact-box");
  await box.getByLabel("Email").fill("not an email");
  await box.getByRole("button", { name: "Send" }).click();

  const email = box.getByLabel("Email");
  assert.equal(await email.getAttribute("aria-invalid"), "true");
  assert.ok(await email.evaluate((input) => input.matches(":focus")));
  const describedBy = await email.getAttribute("aria-describedby");
  assert.notEqual((await box.locator(`#${describedBy}`).textContent()).trim(), "");
  assert.match(await box.getByRole("status").textContent(), /correct the highlighted/);
  assert.equal(await leadCount(fixture.app, ws.api_key), 0);
  await context.close();
});

test("embed mode submits a lead and confirms it inline", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "embed submit");
  const { context, page } = await openPage(fixture.browser, embedUrl(ws.public_token));
  await waitForWidgetEvent(page, "leadsbot:ready");
  const box = page.locator("#contact-box");
  await box.getByLabel("Email").fill("embed@example.com");
  await box.getByLabel("Name").fill("Em Bed");
  await box.getByLabel("Phone").fill("+44 20 7946 0000");
  await box.getByLabel("Company").fill("Shadow Roots");
  await box.getByLabel("budget").fill("5k");
  await box.getByLabel("Message").fill("Hello from the embed");
  await box.getByRole("button", { name: "Send" }).click();
  await page.waitForFunction(() =>
    document.querySelector("#contact-box").shadowRoot.querySelector("[role=status]").textContent.startsWith("Thanks"));

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "embed@example.com");
  assert.equal(lead.name, "Em Bed");
  assert.equal(lead.phone, "+44 20 7946 0000");
  assert.equal(lead.company, "Shadow Roots");
  assert.equal(lead.message, "Hello from the embed");
  assert.equal(lead.source, "embed");
  assert.deepEqual(lead.custom, { budget: "5k" });
  assert.equal(await box.getByLabel("Email").inputValue(), "", "the form is cleared after success");
  await context.close();
});

test("embed mode keeps its styles and submits on a page with a strict CSP", async () => {
  const ws = await createWidgetWorkspace(fixture.app, "embed csp");
  const url = pageUrl(fixture.app.baseUrl, "csp-embed.html", { token: ws.public_token, mode: "embed", target: "#contact-box" });
  const policy = (await fetch(url)).headers.get("content-security-policy") || "";
  assert.match(policy, /style-src 'self'/, "the CSP header was not applied");
  const { context, page } = await openPage(fixture.browser, "about:blank");
  const violations = [];
  page.on("console", (message) => /Content.Security.Policy/i.test(message.text()) && violations.push(message.text()));
  await page.goto(url);
  await waitForWidgetEvent(page, "leadsbot:ready");
  const box = page.locator("#contact-box");
  const button = box.getByRole("button", { name: "Send" });
  assert.equal(await button.evaluate((b) => getComputedStyle(b).backgroundColor), "rgb(9, 105, 218)");
  await box.getByLabel("Email").fill("strict@example.com");
  await button.click();

  const lead = await theOnlyLead(fixture.app, ws.api_key);
  assert.equal(lead.email, "strict@example.com");
  assert.equal(lead.source, "embed");
  assert.deepEqual(violations, []);
  await context.close();
});
