// `leadsbot listen`: a local receiver cannot be reached from Cloudflare, so
// this polls the Events API from now on and posts each new event to the
// receiver, signed as a real delivery is (with a listen secret), so the
// receiver's verification code runs unchanged.
import type { components } from './schema';
import type { LeadsBotClient } from './client';
import { ok } from './client';
import { signDelivery } from './webhooks';

export type ApiEvent = components['schemas']['EventOut'];

/** Events that commit late (concurrent writes) still show up within this window of the newest one forwarded. */
const SETTLE_MS = 10_000;

export interface ListenOptions {
  client: LeadsBotClient;
  forwardTo: string;
  secret: string;
  intervalMs: number;
  signal: AbortSignal;
  /** One call per event forwarded, with the receiver's status or the error. */
  onForward: (event: ApiEvent, outcome: { status?: number; error?: string }) => void;
  onPollError: (error: unknown) => void;
  /** Called once "now" is fixed: events from here on are forwarded. */
  onReady?: () => void;
  fetch?: typeof globalThis.fetch;
}

/** The newest event now: everything after it is forwarded. */
export async function newestEventId(client: LeadsBotClient, signal?: AbortSignal): Promise<string | null> {
  const page = await ok(client.GET('/api/v1/events', { params: { query: { limit: 1 } }, signal }));
  return page.data[0]?.id ?? null;
}

/**
 * The events after `floor` not yet forwarded, oldest first. Walks pages
 * (newest first) down to `floor`, or to events older than the settle window
 * below the newest one already forwarded.
 */
export async function newEvents(client: LeadsBotClient, floor: string | null, forwarded: Map<string, number>, signal?: AbortSignal): Promise<ApiEvent[]> {
  const newestForwarded = Math.max(0, ...forwarded.values());
  const fresh: ApiEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await ok(client.GET('/api/v1/events', { params: { query: { limit: 100, cursor } }, signal }));
    for (const event of page.data) {
      const settled = newestForwarded > 0 && Date.parse(event.created_at) < newestForwarded - SETTLE_MS;
      if ((floor !== null && event.id <= floor) || settled) return fresh.reverse();
      if (!forwarded.has(event.id)) fresh.push(event);
    }
    if (!page.next_cursor) return fresh.reverse();
    cursor = page.next_cursor;
  }
}

async function forward(event: ApiEvent, options: ListenOptions) {
  const body = JSON.stringify(event.payload);
  const headers = await signDelivery({ body, eventType: event.type, deliveryId: event.id, secret: options.secret });
  try {
    const response = await (options.fetch ?? fetch)(options.forwardTo, { method: 'POST', headers: { ...headers, 'User-Agent': 'LeadsBot-Listen/1.0' }, body, signal: options.signal });
    await response.arrayBuffer();
    return { status: response.status };
  } catch (error) {
    return { error: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error) };
  }
}

/** Ids below the settle window are never walked again: a long listen keeps only the recent ones. */
function forgetSettled(forwarded: Map<string, number>) {
  const newest = Math.max(0, ...forwarded.values());
  for (const [id, createdAt] of forwarded) if (createdAt < newest - 2 * SETTLE_MS) forwarded.delete(id);
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Forwards every event from now until `signal` aborts. */
export async function listen(options: ListenOptions): Promise<void> {
  const { client, signal } = options;
  const floor = await newestEventId(client, signal);
  const forwarded = new Map<string, number>();
  options.onReady?.();
  while (!signal.aborted) {
    try {
      for (const event of await newEvents(client, floor, forwarded, signal)) {
        if (signal.aborted) return;
        forwarded.set(event.id, Date.parse(event.created_at));
        options.onForward(event, await forward(event, options));
      }
    } catch (error) {
      if (signal.aborted) return;
      options.onPollError(error);
    }
    forgetSettled(forwarded);
    await pause(options.intervalMs, signal);
  }
}
