// How a customer's server signs an inbound post: exactly what our docs show.
import { createHmac } from 'node:crypto';

export function signInbound(secret, rawBody, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return { 'X-LeadsBot-Timestamp': String(timestamp), 'X-LeadsBot-Signature': signature };
}
