// The hooks of a test file that follows leads into webhooks and Telegram.
import { before, after } from 'node:test';
import { spawnApp } from './app.mjs';
import { startReceiver } from './receiver.mjs';

/**
 * Registers the hooks of a file that follows leads into webhooks and
 * Telegram: a recording receiver, a Telegram stand-in (`telegram`: a
 * recording receiver by default, or `startTelegram`'s Bot API stand-in)
 * and the app told its address. `ready` is given `{ app, receiver,
 * telegram }` (the returned object) before the file's tests run; a test
 * that restarts the app puts the new one there, so that it is the one
 * stopped. (A second root-level `before` in the file would not wait for
 * this one on Node 20.)
 */
export function useAppWithTelegram({ vars = {}, testScheduled = false, telegram: startStandIn } = {}, ready = () => {}) {
  const running = { app: undefined, receiver: undefined, telegram: undefined };
  before(async () => {
    running.receiver = await startReceiver();
    running.telegram = await (startStandIn ?? startReceiver)();
    const base = typeof running.telegram.url === 'function' ? running.telegram.url('') : running.telegram.url;
    running.app = await spawnApp({ testScheduled, vars: { TELEGRAM_API_BASE: base, DELIVERY_RETRY_SCHEDULE: '1,1,1', ...vars } });
    ready(running);
  });
  after(async () => {
    try {
      await running.app?.stop();
    } finally {
      await running.receiver?.close();
      await running.telegram?.close();
    }
  });
  return running;
}
