#!/usr/bin/env node
// The `leadsbot` command. `leadsbot listen --forward-to URL` forwards a
// workspace's events to a local receiver (src/listen.ts says how).
import { parseArgs } from 'node:util';

// dist/ is built, not committed: bootstrap (or the line below) makes it.
const { createLeadsBotClient, listen, newSecret, LeadsBotProblem } = await import('../dist/index.js').catch((error) => {
  if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.error('leadsbot: the client is not built: run node clients/typescript/scripts/build.mjs');
  process.exit(1);
});

const USAGE = `Usage: leadsbot listen --forward-to http://localhost:PORT/path [options]

Forwards this workspace's events, from now on, to a local receiver, signed as
real deliveries are (X-LeadsBot-Signature and Standard Webhooks headers).

  --forward-to URL   where to POST each event (required)
  --api URL          the LeadsBot base URL (default $LEADSBOT_API)
  --key KEY          a workspace API key with read scope (default $LEADSBOT_KEY)
  --secret whsec_…   sign with this secret (default: a new one, printed at start)
  --interval MS      how often to poll the Events API (default 2000)`;

function fail(message) {
  console.error(`leadsbot: ${message}`);
  process.exit(2);
}

function options(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'forward-to': { type: 'string' },
      api: { type: 'string', default: process.env.LEADSBOT_API },
      key: { type: 'string', default: process.env.LEADSBOT_KEY },
      secret: { type: 'string' },
      interval: { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'listen') {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  if (!values['forward-to']) fail('--forward-to is required');
  if (!values.api) fail('--api or $LEADSBOT_API is required');
  if (!values.key) fail('--key or $LEADSBOT_KEY is required');
  const intervalMs = Number(values.interval);
  if (!Number.isInteger(intervalMs) || intervalMs < 100) fail('--interval is milliseconds, at least 100');
  return { forwardTo: values['forward-to'], api: values.api, key: values.key, secret: values.secret ?? newSecret(), intervalMs };
}

async function main() {
  let opts;
  try {
    opts = options(process.argv.slice(2));
  } catch (error) {
    fail(`${error.message}\n\n${USAGE}`);
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const client = createLeadsBotClient({ baseUrl: opts.api, apiKey: opts.key });
  try {
    await listen({
      client,
      forwardTo: opts.forwardTo,
      secret: opts.secret,
      intervalMs: opts.intervalMs,
      signal: stop.signal,
      onReady() {
        console.log(`Ready. Forwarding events to ${opts.forwardTo}; signing secret ${opts.secret} (Ctrl-C to stop)`);
      },
      onForward(event, { status, error }) {
        console.log(`${event.created_at}  ${event.type}  ${event.id}  -> ${status ?? `failed: ${error}`}`);
      },
      onPollError(error) {
        console.error(`polling ${opts.api} failed: ${error.message} (retrying)`);
      },
    });
  } catch (error) {
    if (!stop.signal.aborted) {
      // Only the first read can end the command: a wrong key or URL is said at once.
      console.error(`leadsbot: ${error instanceof LeadsBotProblem ? `${error.status} ${error.title}: ${error.detail}` : error.message}`);
      process.exit(1);
    }
  }
  console.log('Stopped.');
}

await main();
