// Members as a person makes them active: the invitation read from the app's
// mail folder (spawned with `mail: true`), accepted by posting its button's
// form, a name given.
import assert from "node:assert/strict";
import { parseEml } from "./mail.mjs";

/** The one-time link of the newest mail to `address` once it has come. */
export async function linkMailedTo(app, address) {
  const link = await app.waitFor(async () => {
    const mails = (await app.mailbox()).map((m) => parseEml(m.raw)).filter((m) => m.header("to")?.toLowerCase().includes(address.toLowerCase()));
    const text = mails.at(-1)?.parts.find((p) => p.type.startsWith("text/plain"))?.text ?? "";
    return text.match(/\/app\/sign-in\?(link|invitation)=(\w+)/);
  }, { what: `a link mailed to ${address}` });
  return { purpose: link[1], secret: link[2] };
}

/** Accepts `address`'s invitation, as its button does: the member is active, named `name`. */
export async function acceptInvitation(app, address, name) {
  const { purpose, secret } = await linkMailedTo(app, address);
  assert.equal(purpose, "invitation");
  const fields = { invitation: secret, ...(name ? { name } : {}) };
  const res = await fetch(`${app.baseUrl}/app/sign-in`, {
    method: "POST", redirect: "manual", body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.baseUrl },
  });
  assert.equal(res.status, 303, `accepting ${address}'s invitation`);
}
