// Webhook signatures as deliveries carry them (shared/src/signing.rs and
// worker/src/outbox/webhook.rs): LeadsBot's `X-LeadsBot-Signature` (hex
// HMAC-SHA256 of the raw body keyed by the whole `whsec_…` string, and
// `-Previous` with the old secret during a rotation's grace), and Standard
// Webhooks' `webhook-signature` (`v1,` base64 HMAC of `{id}.{timestamp}.{body}`
// keyed by the base64 part of the secret; one per secret, space-separated).
// WebCrypto only, so this runs in Node, Workers, Deno and browsers alike.

/** How far a signed timestamp may be from this clock, as the server allows. */
export const TIMESTAMP_TOLERANCE_SECS = 5 * 60;

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

const encoder = new TextEncoder();

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

async function hmac(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, message as BufferSource));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unbase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** Equal in time that depends only on the lengths. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map(bytesOf);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) out.set(chunk, (at += chunk.length) - chunk.length);
  return out;
}

/** `X-LeadsBot-Signature`: hex HMAC of the body, keyed by the whole secret string. */
export async function leadsBotSignature(secret: string, body: string | Uint8Array): Promise<string> {
  return hex(await hmac(encoder.encode(secret), bytesOf(body)));
}

/** One Standard Webhooks `v1,…` signature. */
export async function standardSignature(secret: string, id: string, timestamp: number, body: string | Uint8Array): Promise<string> {
  const key = unbase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  return `v1,${base64(await hmac(key, concat(id, '.', String(timestamp), '.', body)))}`;
}

export interface SignInput {
  body: string;
  eventType: string;
  /** Stable across retries: the receiver's idempotency key. */
  deliveryId: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  secret: string;
  previousSecret?: string;
}

/** Every header a delivery carries, made as the worker makes them. */
export async function signDelivery(input: SignInput): Promise<Record<string, string>> {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const secrets = [input.secret, ...(input.previousSecret ? [input.previousSecret] : [])];
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-LeadsBot-Event': input.eventType,
    'X-LeadsBot-Delivery': input.deliveryId,
    'X-LeadsBot-Timestamp': String(timestamp),
    'X-LeadsBot-Signature': await leadsBotSignature(input.secret, input.body),
  };
  if (input.previousSecret) headers['X-LeadsBot-Signature-Previous'] = await leadsBotSignature(input.previousSecret, input.body);
  headers['webhook-id'] = input.deliveryId;
  headers['webhook-timestamp'] = String(timestamp);
  headers['webhook-signature'] = (await Promise.all(secrets.map((s) => standardSignature(s, input.deliveryId, timestamp, input.body)))).join(' ');
  return headers;
}

export interface VerifyOptions {
  /** Unix seconds to judge the timestamp against; now by default. */
  now?: number;
}

async function verifyStandard(body: string | Uint8Array, headers: HeaderBag, secrets: string[], now: number): Promise<boolean> {
  const id = header(headers, 'webhook-id') ?? '';
  const timestamp = Number(header(headers, 'webhook-timestamp'));
  if (!id || !Number.isInteger(timestamp)) throw new WebhookVerificationError('webhook-id and webhook-timestamp are required beside webhook-signature');
  if (Math.abs(now - timestamp) > TIMESTAMP_TOLERANCE_SECS) throw new WebhookVerificationError('webhook-timestamp is more than 5 minutes from this clock (a replay?)');
  const given = (header(headers, 'webhook-signature') ?? '').split(' ').filter((s) => s.startsWith('v1,'));
  for (const secret of secrets) {
    const expected = await standardSignature(secret, id, timestamp, body);
    if (given.some((signature) => sameText(signature, expected))) return true;
  }
  return false;
}

async function verifyLeadsBot(body: string | Uint8Array, headers: HeaderBag, secrets: string[]): Promise<boolean> {
  const given = ['x-leadsbot-signature', 'x-leadsbot-signature-previous'].map((name) => header(headers, name)).filter((s): s is string => !!s);
  for (const secret of secrets) {
    const expected = await leadsBotSignature(secret, body);
    if (given.some((signature) => sameText(signature.trim().toLowerCase(), expected))) return true;
  }
  return false;
}

/**
 * Checks a delivery against the secret(s) the receiver holds and answers its
 * parsed JSON body, or throws WebhookVerificationError. `rawBody` must be the
 * exact bytes received. With Standard Webhooks headers present they decide
 * (they sign the timestamp, so a replay older than 5 minutes is refused);
 * without them, `X-LeadsBot-Signature` or, during a rotation,
 * `X-LeadsBot-Signature-Previous` must match.
 */
export async function verifyWebhook<T = unknown>(rawBody: string | Uint8Array, headers: HeaderBag, secret: string | string[], options: VerifyOptions = {}): Promise<T> {
  const secrets = Array.isArray(secret) ? secret : [secret];
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const genuine = header(headers, 'webhook-signature')
    ? await verifyStandard(rawBody, headers, secrets, now)
    : await verifyLeadsBot(rawBody, headers, secrets);
  if (!genuine) throw new WebhookVerificationError('no signature matches the body with this secret');
  const text = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  return JSON.parse(text) as T;
}

/** A new listen secret: `whsec_` and 32 random bytes in base64, like an endpoint's. */
export function newSecret(): string {
  return `whsec_${base64(crypto.getRandomValues(new Uint8Array(32)))}`;
}
