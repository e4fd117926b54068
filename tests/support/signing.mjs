// How a customer's server signs an inbound post: exactly what our docs show.
import { createHmac } from 'node:crypto';

export function signInbound(secret, rawBody, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return { 'X-LeadsBot-Timestamp': String(timestamp), 'X-LeadsBot-Signature': signature };
}

// How Typeform and Tally sign their webhooks, per their documentation: an
// HMAC-SHA256 of the raw body with the secret pasted into the tool, base64.
export const typeformSignature = (secret, rawBody) => `sha256=${createHmac('sha256', secret).update(rawBody).digest('base64')}`;
export const tallySignature = (secret, rawBody) => createHmac('sha256', secret).update(rawBody).digest('base64');
