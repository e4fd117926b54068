// The local stand-in for Cloudflare's email sending. `wrangler dev` delivers
// no mail (its send_email binding writes each message to a temporary folder it
// deletes on exit, and logs the path only at info level), so `npm start` and
// the tests run this receiver and point the worker's EMAIL_DEV_SINK at it: it
// keeps every message, exactly as the worker would have handed it to the
// binding, as one .eml file in a folder (README, "Email").
//   node scripts/mail-sink.mjs --dir .leadsbot/mail [--port N]   (0, the default: any free port)
// Imported, `startMailSink(dir)` returns { url, close, failWith } (the tests
// make sends fail with `failWith(503)` and recover with `failWith(null)`).
import { createServer } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export async function startMailSink(dir, { port = 0 } = {}) {
  await mkdir(dir, { recursive: true });
  let failStatus = null;
  let count = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (req.method !== 'POST') return res.writeHead(405).end();
      if (failStatus) return res.writeHead(failStatus).end('the mail sink is set to fail');
      // Named so a folder lists in the order they were sent; the delivery id says which job sent it.
      const job = String(req.headers['x-leadsbot-delivery'] ?? 'message').replace(/[^A-Za-z0-9_-]/g, '');
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(++count).padStart(4, '0')}-${job}.eml`;
      try {
        await writeFile(join(dir, name), Buffer.concat(chunks));
        res.writeHead(202, { 'Content-Type': 'text/plain' }).end(name);
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    dir,
    failWith: (status) => (failStatus = status),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, port: { type: 'string', default: '0' } } });
  const sink = await startMailSink(values.dir, { port: Number(values.port) });
  console.log(`mail sink on ${sink.url} keeping messages in ${values.dir}`);
  const stop = () => sink.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
