// The form markup and submission style of common builders and plugins
// (tests/pages/builders/), each with its real hidden fields: exactly one lead
// with the right fields, none of the machine fields, and the site's own
// handler still running.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  useAppAndBrowser, createWidgetWorkspace, pageUrl, openPage, waitForWidgetEvent, waitForEmptyOutbox, leadCount,
} from "./support/browser.mjs";

const fixture = useAppAndBrowser();

const PERSON = {
  email: "ada@example.com", name: "Ada Lovelace", phone: "+44 20 7946 0000", company: "Analytical Engines Ltd",
  message: "We would like a quote.",
};

// Per builder: the page, which control gets which value, the clicks that send
// it, what is kept as custom fields, and machine values that must not be stored.
const BUILDERS = [
  {
    page: "cf7.html",
    fill: { "[name=your-name]": PERSON.name, "[name=your-email]": PERSON.email, "[name=your-tel]": PERSON.phone,
      "[name=your-company]": PERSON.company, "[name=your-subject]": "Pricing", "[name=your-message]": PERSON.message },
    clicks: [".wpcf7-submit"],
    custom: { "your-subject": "Pricing" },
    machine: ["wpcf7", "03AFcWeA6", "recaptcha"],
  },
  {
    page: "gravity.html",
    fill: { "#input_1_1_3": "Ada", "#input_1_1_6": "Lovelace", "#input_1_2": PERSON.email, "#input_1_3": PERSON.phone,
      "#input_1_4": PERSON.company, "#input_1_5": PERSON.message },
    clicks: ["#gform_submit_button_1"],
    machine: ["gform_unique_id", "gform_submit", "gform_target", "6571f0a2c3b1e", "state_1", "is_submit", "WyJbXSIs", "recaptcha", "03AFcWeA"],
  },
  {
    page: "elementor.html",
    fill: { "#form-field-name": PERSON.name, "#form-field-email": PERSON.email, "#form-field-phone": PERSON.phone,
      "#form-field-company": PERSON.company, "#form-field-message": PERSON.message },
    clicks: [".elementor-button"],
    machine: ["post_id", "4f2a9c1", "queried_id", "referer_title", "recaptcha", "03AFcWeA"],
  },
  {
    page: "webflow.html",
    fill: { "#Name": PERSON.name, "#Email": PERSON.email, "#Phone": PERSON.phone, "#Company": PERSON.company, "#Message": PERSON.message },
    clicks: [".w-button"],
    machine: ["turnstile", "0.turnstile-machine-answer"],
  },
  {
    page: "wpforms.html",
    fill: { "#wpforms-10-field_1": "Ada", "#wpforms-10-field_1-last": "Lovelace", "#wpforms-10-field_2": PERSON.email,
      "#wpforms-10-field_3": PERSON.phone, "#wpforms-10-field_4": PERSON.company, "#wpforms-10-field_5": PERSON.message },
    clicks: ["#wpforms-submit-10"],
    machine: ["wpforms[", "7c2f9e1d4b5a6c3e8f0a1b2c3d4e5f6a", "page_id", "url_referer", "https://site.example/contact/"],
  },
  {
    page: "mailchimp.html",
    fill: { "#mce-EMAIL": PERSON.email, "#mce-FNAME": "Ada", "#mce-LNAME": "Lovelace", "#mce-PHONE": PERSON.phone,
      "#mce-MMERGE5": PERSON.company, "#mce-MMERGE6": PERSON.message },
    clicks: ["#mc-embedded-subscribe"],
    machine: ["b_4e3a1c0d9f8e7b6a5c4d3e2f1", "MMERGE"],
  },
  {
    page: "react.html",
    fill: { "#fullName": PERSON.name, "#email": PERSON.email, "#phone": PERSON.phone, "#company": PERSON.company, "#message": PERSON.message },
    clicks: ["#root button"],
    machine: ["csrf", "react-csrf-machine-token"],
  },
  {
    page: "jquery.html",
    fill: { "[name=name]": PERSON.name, "[name=email]": PERSON.email, "[name=phone]": PERSON.phone, "[name=company]": PERSON.company,
      "[name=message]": PERSON.message },
    clicks: ["#contact-ajax button"],
    machine: ["theme_contact_submit", "a1b2c3d4e5", "nonce"],
  },
  {
    page: "multistep.html",
    fill: { "[name=first_name]": "Ada", "[name=last_name]": "Lovelace", "[name=email]": PERSON.email },
    clicks: ["[data-step='1'] .next"],
    then: { "[name=phone]": PERSON.phone, "[name=company_name]": PERSON.company },
    thenClicks: ["[data-step='2'] .next"],
    last: { "[name=details]": PERSON.message },
    lastClicks: ["[data-step='3'] button[type=submit]"],
    machine: ["msf_nonce", "9f8e7d6c5b"],
  },
];

async function fillAndClick(page, fills = {}, clicks = []) {
  for (const [selector, value] of Object.entries(fills)) await page.fill(selector, value);
  for (const selector of clicks) await page.click(selector);
}

for (const builder of BUILDERS) {
  test(`${builder.page}: one lead with the right fields, no machine fields, the site's handler ran`, async () => {
    const ws = await createWidgetWorkspace(fixture.app, builder.page);
    const url = pageUrl(fixture.app.baseUrl, `builders/${builder.page}`, { token: ws.public_token });
    const { context, page } = await openPage(fixture.browser, url);
    await waitForWidgetEvent(page, "leadsbot:ready");
    await fillAndClick(page, builder.fill, builder.clicks);
    await fillAndClick(page, builder.then, builder.thenClicks);
    await fillAndClick(page, builder.last, builder.lastClicks);
    await page.waitForFunction(() => window.siteHandled === 1);
    await waitForWidgetEvent(page, "leadsbot:captured");
    await waitForEmptyOutbox(page);

    assert.equal(await leadCount(fixture.app, ws.api_key), 1);
    const { data: [lead] } = await fixture.app.listLeads(ws.api_key);
    assert.deepEqual(
      { email: lead.email, name: lead.name, phone: lead.phone, company: lead.company, message: lead.message },
      PERSON,
    );
    assert.deepEqual(lead.custom, builder.custom ?? {});
    const stored = JSON.stringify(lead);
    for (const machine of builder.machine) assert.ok(!stored.includes(machine), `the stored lead holds ${machine}: ${stored}`);
    assert.equal(await page.evaluate(() => window.siteHandled), 1);
    await context.close();
  });
}
