// The typed client: openapi-fetch over the generated schema, with the API key
// on every request and every non-2xx answer thrown as a LeadsBotProblem.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { problemFrom } from './problem';

export type LeadsBotClient = Client<paths, 'application/json'>;

export interface ClientOptions {
  /** Where the worker answers, e.g. `https://leadsbot.example.workers.dev` (no `/api/v1`). */
  baseUrl: string;
  /** A workspace API key (`lb_sk_…`), or the admin token for `/api/admin`. */
  apiKey: string;
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

export function createLeadsBotClient({ baseUrl, apiKey, fetch }: ClientOptions): LeadsBotClient {
  const client = createClient<paths, 'application/json'>({ baseUrl: baseUrl.replace(/\/+$/, ''), fetch });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${apiKey}`);
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await problemFrom(response);
      return response;
    },
  };
  client.use(auth);
  return client;
}

/**
 * The data of a call whose errors throw: `await ok(client.GET(...))`. A
 * client from createLeadsBotClient never resolves without data but for a
 * `204`, which answers `undefined`.
 */
export async function ok<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data } = await call;
  return data as T;
}
