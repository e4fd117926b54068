// People, not keys: an invitation by email, accepted in Chromium; signing in
// by typing an address (the answer the same for anyone); acting in the inbox
// as that person (history and timeline name them); a viewer with nothing to
// change; a removed member signed out at once. Mail is read from the .eml
// files the app's mail sink keeps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useAppAndBrowser } from "./support/browser.mjs";
import { watchProblems, postForm, csrfOf } from "./support/inbox.mjs";
import { parseEml } from "./support/mail.mjs";

const fixture = useAppAndBrowser({ mail: true, testScheduled: true });

/** The newest message to `address` once it has come, parsed. */
async function mailTo(address, count = 1) {
  const found = await fixture.app.waitFor(async () => {
    const mails = (await fixture.app.mailbox()).map((m) => parseEml(m.raw)).filter((m) => m.header("to")?.toLowerCase().includes(address.toLowerCase()));
    return mails.length >= count && mails;
  }, { what: `${count} mail(s) to ${address}` });
  return found[found.length - 1];
}

const mailCount = async (address) => (await fixture.app.mailbox()).filter((m) => parseEml(m.raw).header("to")?.toLowerCase().includes(address)).length;
const textOf = (mail) => mail.parts.find((p) => p.type.startsWith("text/plain")).text;
const htmlOf = (mail) => mail.parts.find((p) => p.type.startsWith("text/html")).text;
const linkIn = (mail) => textOf(mail).match(/http:\/\/\S+\/app\/sign-in\?(?:link|invitation)=\w+/)?.[0];

async function invite(ws, email, role) {
  const res = await fixture.app.api(ws.api_key, "POST", "/api/v1/members", { email, role });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** Opens an invitation in a fresh browser, gives a name, accepts: signed in on /app. */
async function accept(link, name) {
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(link);
  await page.getByRole("heading", { name: "Accept your invitation" }).waitFor();
  if (name) await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Accept and sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/app");
  return { context, page, problems };
}

/** Signs `address` in through the email form, as a person would: type, open the mail, press the button. */
async function signInByEmail(address) {
  const before = await mailCount(address.toLowerCase());
  const context = await fixture.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${fixture.app.baseUrl}/app/sign-in`);
  await page.getByLabel("Email").fill(address);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  const mail = await mailTo(address, before + 1);
  assert.match(mail.subject, /^Sign in to /);
  await page.goto(linkIn(mail));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === "/app");
  return { context, page, mail };
}

test("invite → .eml → accept → sign in by email → act in the inbox → the timeline names the person", async () => {
  const { app } = fixture;
  const ws = await app.createWorkspace({ name: "Acme <Sales>" });
  const lead = await app.capture(ws, { email: "prospect@example.com", name: "Pat Prospect", message: "Need a quote" });
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  const rep = await invite(ws, "Rep@Example.com", "member");
  assert.equal(rep.status, "invited");

  // The invitation: to the address, both parts carry the one-time link, no unsubscribe (it is not a lead's mail).
  const invitation = await mailTo("rep@example.com");
  assert.equal(invitation.subject, "You are invited to Acme <Sales> on LeadsBot");
  assert.equal(invitation.header("list-unsubscribe"), undefined);
  const link = linkIn(invitation);
  assert.match(link, new RegExp(`/app/sign-in\\?invitation=lbl_${ws.id}_[0-9a-f]{40}$`), "the link names its workspace");
  assert.ok(htmlOf(invitation).includes(`href="${link}"`), "the HTML part links the same invitation");
  assert.ok(htmlOf(invitation).includes("Acme &lt;Sales&gt;"), "the workspace's name is text in HTML");
  // The job keeps no usable link: neither the event's payload nor the links table holds the secret.
  const secret = new URL(link).searchParams.get("invitation");
  const stored = await app.sql(`SELECT payload FROM events WHERE workspace_id = '${ws.id}' AND type = 'member.mail'`);
  assert.equal(stored.length, 1);
  assert.ok(!stored[0].payload.includes(secret), "the outbox holds the link's id, not its secret");
  assert.deepEqual((await app.api(ws.api_key, "GET", "/api/v1/events")).body.data.filter((e) => e.type === "member.mail"), [], "never listed");

  // Opening the link spends nothing (a mail scanner may follow it); the button does.
  assert.equal((await fetch(link)).status, 200);
  const accepted = await accept(link, "Robin Rep");
  assert.match(await accepted.page.locator("header .who").innerText(), /Robin Rep · member/);
  const listed = (await app.api(ws.api_key, "GET", "/api/v1/members")).body.data.find((m) => m.id === rep.id);
  assert.deepEqual([listed.status, listed.name], ["active", "Robin Rep"]);
  assert.equal((await postForm(app, "/app/sign-in", { invitation: secret })).status, 401, "an invitation works once");
  await accepted.context.close();

  // Later: sign in by typing the address.
  const { context, page } = await signInByEmail("REP@example.com");
  await page.goto(`${app.baseUrl}/app/leads/${lead.body.id}`);
  await page.getByLabel("Status").selectOption("contacted");
  await page.getByLabel("Add a note").fill("left a voicemail");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.locator("#save-status").filter({ hasText: "Saved." }).waitFor();

  const detail = (await app.api(ws.api_key, "GET", `/api/v1/leads/${lead.body.id}`)).body;
  assert.equal(detail.status, "contacted");
  assert.equal(detail.status_history.at(-1).changed_by, `member:${rep.id}`, "history records the person");
  const notes = (await app.api(ws.api_key, "GET", `/api/v1/leads/${lead.body.id}/notes`)).body.data;
  assert.equal(notes.at(-1).author, `member:${rep.id}`);
  const timeline = await page.locator("ol.timeline").first().innerText();
  assert.match(timeline, /Status new → contacted by Robin Rep/);
  assert.match(timeline, /Note by Robin Rep/);

  // A key's change stays a key's.
  await app.api(ws.api_key, "PATCH", `/api/v1/leads/${lead.body.id}`, { status: "qualified" });
  await page.reload();
  assert.match(await page.locator("ol.timeline").first().innerText(), /Status contacted → qualified by key_\w+/);
  await context.close();
});

test("signing in for an unknown address answers exactly as for a member, and mails nobody", async () => {
  const { app } = fixture;
  const ws = await app.createWorkspace({ name: "quiet", owner_email: "known@example.com" });
  await mailTo("known@example.com"); // the owner's invitation
  const ask = (email) => postForm(app, "/app/sign-in", { email });
  // The stranger first: once the member's mail is written, the stranger's lookup (begun before it) is done.
  const stranger = await ask("stranger@example.com");
  const member = await ask("known@example.com");
  assert.deepEqual([member.status, stranger.status], [200, 200]);
  assert.equal(member.text, stranger.text, "the same page, byte for byte");
  assert.match(member.text, /If this address belongs to a member, a sign-in link is on its way/);
  // The member, still invited, is sent their invitation again; the stranger nothing.
  const again = await mailTo("known@example.com", 2);
  assert.match(linkIn(again), /invitation=/);
  assert.equal(await mailCount("stranger@example.com"), 0);
  // A bad address is said to be one, whoever asks; the page's field is an email input.
  assert.equal((await ask("not an address")).status, 422);
  assert.match((await fetch(`${app.baseUrl}/app/sign-in`).then((r) => r.text())), /<input id="email" type="email" name="email"/);
  // Per address, whoever asks: the sixth request within the minute is refused.
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push((await ask("flood@example.com")).status);
  assert.deepEqual(answers, [200, 200, 200, 200, 200, 429]);
  void ws;
});

test("a viewer's pages have no edit controls, and every inbox post and API write is refused", async () => {
  const { app } = fixture;
  const ws = await app.createWorkspace({ name: "readers" });
  const lead = await app.capture(ws, { email: "seen@example.com", name: "Seen Only" });
  await invite(ws, "viewer@example.com", "viewer");
  const { context, page, problems } = await accept(linkIn(await mailTo("viewer@example.com")), "Vera Viewer");
  assert.match(await page.locator("header .who").innerText(), /Vera Viewer · viewer/);
  await page.locator("main").getByText("Seen Only").first().waitFor();
  assert.equal(await page.locator('main form[method="post"], main input[name="lead"]').count(), 0, "the list: no bulk form, no row checkboxes");
  assert.equal(await page.getByRole("link", { name: "Settings" }).count(), 0);

  await page.goto(`${app.baseUrl}/app/leads/${lead.body.id}`);
  await page.getByRole("heading", { level: 1, name: /Seen Only/ }).waitFor();
  assert.equal(await page.locator('main form[method="post"], main textarea, main select, main button').count(), 0, "the lead page: nothing to change");
  assert.match(await page.locator("main").innerText(), /Read-only: you are a viewer of this workspace\./);

  const cookie = (await context.cookies(app.baseUrl)).map((c) => `${c.name}=${c.value}`).join("; ");
  const csrf = await csrfOf(page);
  const id = lead.body.id;
  const posts = [
    [`/app/leads/${id}/save`, { status: "won" }],
    [`/app/leads/${id}/status`, { status: "won" }],
    [`/app/leads/${id}/tags`, { add: "x" }],
    [`/app/leads/${id}/note`, { note: "x" }],
    ["/app/bulk", { lead: id, action: "spam" }],
    ["/app/deliveries/dlv_x/retry", {}],
    ["/app/settings/timezone", { timezone: "Europe/Paris" }],
  ];
  for (const [path, fields] of posts) {
    const res = await postForm(app, path, { ...fields, _csrf: csrf }, { cookie });
    assert.equal(res.status, 403, `${path}: ${res.status}`);
  }
  // The API is for keys: a viewer's session opens none of its write routes, every one the document lists.
  const document = await (await fetch(`${app.baseUrl}/api/v1/openapi.json`)).json();
  const writes = Object.entries(document.paths).flatMap(([path, item]) => ["post", "put", "patch", "delete"].filter((m) => item[m]).map((m) => [m.toUpperCase(), path]))
    .filter(([, path]) => path.startsWith("/api/v1/"));
  assert.ok(writes.length > 30, `the document lists the API's writes (${writes.length})`);
  for (const [method, template] of writes) {
    const path = template.replace("{workspace_id}", ws.id).replace(/\{[a-z_]+\}/g, id);
    const res = await fetch(`${app.baseUrl}${path}`, { method, headers: { Cookie: cookie, "Content-Type": "application/json" }, body: method === "DELETE" ? undefined : "{}" });
    assert.equal(res.status, 401, `${method} ${path}`);
  }
  assert.equal((await app.api(ws.api_key, "GET", `/api/v1/leads/${id}`)).body.status, "new", "nothing changed");
  assert.deepEqual(problems, []);
  await context.close();
});

test("removing a member ends their session at once; the last owner stays", async () => {
  const { app } = fixture;
  const ws = await app.createWorkspace({ name: "leavers", owner_email: "boss@example.com" });
  const rep = await invite(ws, "leaver@example.com", "member");
  const { context, page } = await accept(linkIn(await mailTo("leaver@example.com")));
  assert.match(await page.locator("header .who").innerText(), /leaver@example\.com · member/, "shown by address until named");
  assert.equal((await app.api(ws.api_key, "DELETE", `/api/v1/members/${rep.id}`)).status, 204);
  const after = await page.goto(`${app.baseUrl}/app`);
  assert.equal(new URL(after.url()).pathname, "/app/sign-in", "the next page is the sign-in page");
  assert.equal((await app.sql(`SELECT count(*) AS n FROM inbox_sessions WHERE member_id = '${rep.id}'`))[0].n, 0);
  await context.close();

  const [owner] = (await app.api(ws.api_key, "GET", "/api/v1/members")).body.data;
  const refused = await app.api(ws.api_key, "DELETE", `/api/v1/members/${owner.id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.headers.get("content-type"), "application/problem+json");
});

test("alerts follow each member's choice: new leads by email to those who want them, the digest to those who chose it", async () => {
  const { app } = fixture;
  const ws = await app.createWorkspace({ name: "Alerts & Co", owner_email: "owner-alerts@example.com" });
  const owner = await accept(linkIn(await mailTo("owner-alerts@example.com")), "Olga Owner");
  const rep = await invite(ws, "rep-alerts@example.com", "member");
  const repSession = await accept(linkIn(await mailTo("rep-alerts@example.com")), "Rory Rep");
  const digestFan = await invite(ws, "digest-alerts@example.com", "admin");
  const fanSession = await accept(linkIn(await mailTo("digest-alerts@example.com")));

  // Defaults by role: the owner every new lead, the member only leads assigned to them.
  // The admin chooses the digest only on their own "My alerts" page.
  await fanSession.page.getByRole("link", { name: "My alerts" }).click();
  assert.equal(await fanSession.page.getByLabel("Every new lead, and leads assigned to me").isChecked(), true, "an admin's default");
  await fanSession.page.getByLabel("The daily digest only").check();
  await fanSession.page.getByRole("button", { name: "Save" }).click();
  await fanSession.page.getByText("Saved.").waitFor();
  const members = (await app.api(ws.api_key, "GET", "/api/v1/members")).body.data;
  assert.deepEqual(Object.fromEntries(members.map((m) => [m.email, m.alerts])), {
    "owner-alerts@example.com": "all", "rep-alerts@example.com": "assigned", "digest-alerts@example.com": "digest",
  });

  const lead = await app.capture(ws, { email: "hot@example.com", name: "<img src=x> Hot Lead", company: "Big & Co", message: "Call me" });
  const alert = await mailTo("owner-alerts@example.com", 2); // the invitation, then the alert
  assert.equal(alert.subject, "New lead: <img src=x> Hot Lead");
  assert.equal(alert.header("list-unsubscribe"), undefined, "a member's alert is ended by their choice, not an unsubscribe");
  // PUBLIC_URL is the harness's forwarder to the runtime (tests/support/app.mjs); the test talks to the runtime directly.
  assert.match(textOf(alert), new RegExp(String.raw`Open it in the inbox: http://127\.0\.0\.1:\d+/app/leads/${lead.body.id}\n`));
  assert.ok(htmlOf(alert).includes("&lt;img src=x&gt; Hot Lead") && !htmlOf(alert).includes("<img"), "the lead is text in HTML");
  assert.ok(htmlOf(alert).includes("Big &amp; Co"));
  // The alert is a job on the lead's timeline, named by its recipient.
  await owner.page.goto(`${app.baseUrl}/app/leads/${lead.body.id}`);
  await owner.page.locator("details.machine summary").click();
  await owner.page.locator("li.delivery").filter({ hasText: "email to Olga Owner" }).filter({ hasText: "succeeded" }).waitFor();

  // The member (assigned only) and the digest-only admin got nothing for it.
  await app.waitFor(async () => (await app.sql(`SELECT count(*) AS n FROM deliveries WHERE workspace_id = '${ws.id}' AND event_type = 'lead.created' AND status = 'pending'`))[0].n === 0, { what: "the alerts settled" });
  assert.equal(await mailCount("rep-alerts@example.com"), 1, "only the invitation");
  assert.equal(await mailCount("digest-alerts@example.com"), 1, "only the invitation");
  const jobs = await app.sql(`SELECT target_id FROM deliveries WHERE workspace_id = '${ws.id}' AND event_type = 'lead.created' AND target_kind = 'email'`);
  assert.deepEqual(jobs.map((j) => j.target_id), [members.find((m) => m.role === "owner").id]);

  // The digest, by email, to the one who chose it.
  await app.api(ws.api_key, "PATCH", "/api/v1/workspace", { digest_hour: 0 });
  await app.triggerScheduled();
  const digest = await mailTo("digest-alerts@example.com", 2);
  assert.equal(digest.subject, "Your LeadsBot digest for Alerts & Co");
  assert.match(textOf(digest), /LeadsBot (daily|weekly) digest/);
  assert.ok(!htmlOf(digest).includes("<img"));
  assert.equal(await mailCount("owner-alerts@example.com"), 2, "the owner did not choose the digest");
  assert.equal(await mailCount("rep-alerts@example.com"), 1);
  for (const session of [owner, repSession, fanSession]) await session.context.close();
  void rep;
  void digestFan;
});

test("a workflow emails the members of a role, and refuses a recipient it does not know", async () => {
  const { app } = fixture;
  const ws = await app.createWorkspace({ name: "routing", owner_email: "route-owner@example.com" });
  const owner = await accept(linkIn(await mailTo("route-owner@example.com")));
  await app.api(ws.api_key, "PATCH", `/api/v1/members/${(await app.api(ws.api_key, "GET", "/api/v1/members")).body.data[0].id}`, { alerts: "none" });
  await invite(ws, "route-admin@example.com", "admin");
  const admin = await accept(linkIn(await mailTo("route-admin@example.com")));
  await app.api(ws.api_key, "PATCH", `/api/v1/members/${(await app.api(ws.api_key, "GET", "/api/v1/members")).body.data[0].id}`, { alerts: "none" });
  const action = (to) => ({ type: "email", to, subject: "Lead: {{lead.name}}", body: "{{lead.name}} wrote: {{lead.message}}" });
  const bad = await app.api(ws.api_key, "POST", "/api/v1/workflows", { name: "bad", trigger: { event: "lead.created" }, actions: [action("members:boss")] });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.errors[0].field, "actions[0].to");
  const made = await app.api(ws.api_key, "POST", "/api/v1/workflows", { name: "to owners", trigger: { event: "lead.created" }, actions: [action("members:owner"), action("members:viewer")] });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  await app.capture(ws, { email: "routed@example.com", name: "Rita <b>", message: "hi & bye" });
  const mail = await mailTo("route-owner@example.com", 2);
  assert.equal(mail.subject, "Lead: Rita <b>");
  assert.equal(mail.header("list-unsubscribe"), undefined, "to a member: no unsubscribe");
  assert.ok(htmlOf(mail).includes("Rita &lt;b&gt; wrote: hi &amp; bye"));
  assert.equal(await mailCount("route-admin@example.com"), 1, "an admin is not an owner");
  // Nobody is a viewer: that action fails, naming why.
  const runs = await app.waitFor(async () => {
    const { data } = (await app.api(ws.api_key, "GET", `/api/v1/workflows/${made.body.id}/runs`)).body;
    return data.length && data[0].status !== "running" && data;
  }, { what: "the run to end" });
  assert.equal(runs[0].status, "failed");
  assert.match(JSON.stringify(runs[0].actions[1]), /no active member of this workspace is a viewer/);
  for (const session of [owner, admin]) await session.context.close();
});

test("assigned: the assignee's alert, a workflow's email to the assignee, and \"Me\" in their inbox", async () => {
  const { app } = fixture;
  const ws = await app.createWorkspace({ name: "assigning" });
  const rep = await invite(ws, "assignee@example.com", "member");
  const session = await accept(linkIn(await mailTo("assignee@example.com")), "Ari Assignee");
  const made = await app.api(ws.api_key, "POST", "/api/v1/workflows", {
    name: "route to Ari", trigger: { event: "lead.created" },
    actions: [{ type: "assign", to: rep.id }, { type: "email", to: "assignee", subject: "Yours: {{lead.name}}", body: "Call {{lead.name}} today." }],
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const lead = await app.capture(ws, { email: "routed-lead@example.com", name: "Lee Lead" });
  await app.waitFor(async () => (await mailCount("assignee@example.com")) >= 3, { what: "the alert and the workflow's email" });
  const subjects = (await app.mailbox()).map((m) => parseEml(m.raw)).filter((m) => m.header("to")?.includes("assignee@example.com")).map((m) => m.subject).sort();
  assert.deepEqual(subjects, ["Assigned to you: Lee Lead", "You are invited to assigning on LeadsBot", "Yours: Lee Lead"]);
  const detail = (await app.api(ws.api_key, "GET", `/api/v1/leads/${lead.body.id}`)).body;
  assert.equal(detail.assignee, rep.id);
  // Their own inbox's "Me" filter holds it; an unassigned lead is not there.
  await app.capture(ws, { email: "nobodys@example.com", name: "Nobody's" });
  await session.page.goto(`${app.baseUrl}/app?assignee=me`);
  const rows = await session.page.locator("main").innerText();
  assert.match(rows, /Lee Lead/);
  assert.doesNotMatch(rows, /Nobody's/);
  await session.context.close();
});
