// A Telegram Bot API stand-in for the tests (TELEGRAM_API_BASE points here):
// records every call (sendMessage, setWebhook, answerCallbackQuery,
// editMessageText…), gives each sent message an id as Telegram does, and
// sends updates back to the webhook a bot registered, with its secret token.
import { createServer } from 'node:http';
import { waitFor } from './app.mjs';

export async function startTelegram() {
  const calls = [];
  const webhooks = new Map();
  let nextMessageId = 100;
  let nextUpdateId = 500_000;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const [, token, method] = req.url.match(/^\/bot([^/]+)\/([A-Za-z]+)$/) ?? [];
      let json = {};
      try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch {}
      const call = { token, method, json, receivedAt: Date.now() };
      if (method === 'sendMessage') {
        call.message = { message_id: nextMessageId++, chat: { id: Number(json.chat_id), type: 'group' }, text: json.text, reply_markup: json.reply_markup };
      }
      if (method === 'setWebhook') webhooks.set(token, { url: json.url, secret_token: json.secret_token });
      calls.push(call);
      res.writeHead(token ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(token ? { ok: true, result: call.message ?? true } : { ok: false, description: 'Not Found' }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;

  const stub = {
    url: base,
    calls: (method, token) => calls.filter((c) => c.method === method && (!token || c.token === token)),
    waitForCalls(method, count, { token, timeoutMs = 20_000 } = {}) {
      return waitFor(() => { const found = stub.calls(method, token); return found.length >= count && found; }, { timeoutMs, what: `${count} ${method} calls` });
    },
    /** What the bot registered with setWebhook ({url, secret_token}). */
    webhook: (token) => webhooks.get(token),
    /** Posts an update to the bot's webhook as Telegram does; `secret: null` leaves the header out. */
    async sendUpdate(token, update, { secret, url } = {}) {
      const registered = webhooks.get(token);
      if (!registered && !url) throw new Error(`no webhook registered for ${token}`);
      const headers = { 'Content-Type': 'application/json' };
      const secretToken = secret === undefined ? registered.secret_token : secret;
      if (secretToken !== null) headers['X-Telegram-Bot-Api-Secret-Token'] = secretToken;
      const response = await fetch(url ?? registered.url, { method: 'POST', headers, body: JSON.stringify(update) });
      const text = await response.text();
      let body = text;
      try { body = JSON.parse(text); } catch {}
      return { status: response.status, body };
    },
    /** The update a press of the button labelled `label` under a sent message makes. */
    pressUpdate(message, label, { from = { id: 7, is_bot: false, first_name: 'Ada', username: 'ada' }, updateId } = {}) {
      const button = message.reply_markup?.inline_keyboard?.flat().find((b) => b.text === label);
      if (!button) throw new Error(`no button ${label} under message ${message.message_id}`);
      return {
        update_id: updateId ?? nextUpdateId++,
        callback_query: { id: `cb${nextUpdateId++}`, from, message: { message_id: message.message_id, chat: message.chat, text: 'alert' }, chat_instance: '1', data: button.callback_data },
      };
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
  return stub;
}
