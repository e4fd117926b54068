// The rate limits as wrangler.toml sets them, so tests follow the settings.
//
// Workers Rate Limiting (and `wrangler dev`'s simulation of it) counts in fixed
// windows of its period. A run of requests may straddle the turn of a window,
// so a test that wants to see the limit must be ready to send more than twice
// it: then one window has certainly seen more than the limit.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/** `{ limit, period }` of the `[[ratelimits]]` binding named `binding`. */
export function rateLimit(binding) {
  const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
  const found = toml.match(new RegExp(`name = "${binding}"[^\\[]*?simple = \\{ limit = (\\d+), period = (\\d+) \\}`));
  assert.ok(found, `${binding} is a [[ratelimits]] binding in wrangler.toml`);
  return { limit: Number(found[1]), period: Number(found[2]) };
}

/** How many requests surely cross `binding`'s limit in some window, wherever the window turns. */
export function attemptsToCross(binding) {
  return 2 * rateLimit(binding).limit + 1;
}
