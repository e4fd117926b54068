// Asks the inbox for a member's sign-in link by email, as a person would at
// /app/sign-in, and prints the link from the message the mail sink keeps
// (an invitation while the member has not accepted yet). `npm start` uses it
// for the demo owner.
//   node scripts/member-link.mjs <base url> <mail folder> <address>
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEml } from './eml.mjs';

const [base, mailDir, address] = process.argv.slice(2);
const emlNames = async () => (await readdir(mailDir).catch(() => [])).filter((n) => n.endsWith('.eml'));
const before = new Set(await emlNames());

const asked = await fetch(`${base}/app/sign-in`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base },
  body: new URLSearchParams({ email: address }),
});
if (asked.status !== 200) throw new Error(`asking for a sign-in link answered ${asked.status}`);

const deadline = Date.now() + 30_000;
for (;;) {
  for (const name of (await emlNames()).filter((n) => !before.has(n))) {
    const eml = parseEml(await readFile(join(mailDir, name), 'utf8'));
    if (!eml.header('to')?.toLowerCase().includes(address.toLowerCase())) continue;
    const text = eml.parts.find((p) => p.type.startsWith('text/plain'))?.text ?? '';
    const link = text.match(/https?:\/\/\S+\/app\/sign-in\?(?:link|invitation)=\w+/)?.[0];
    if (link) {
      console.log(link);
      process.exit(0);
    }
  }
  if (Date.now() > deadline) throw new Error(`no sign-in mail to ${address} in ${mailDir} within 30 s`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}
