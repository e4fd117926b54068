// Compiled by `tsc --noEmit` in tests/client.test.mjs: the client is typed by
// the generated schema, so each @ts-expect-error below must be an error (tsc
// fails on one that is not).
import { createLeadsBotClient, ok, paginate, verifyWebhook } from '../src/index';

const client = createLeadsBotClient({ baseUrl: 'http://127.0.0.1:8787', apiKey: 'lb_sk_x' });

export async function typedUsage() {
  const lead = await ok(client.GET('/api/v1/leads/{id}', { params: { path: { id: 'lead_1' } } }));
  const email: string | null | undefined = lead.email;
  // @ts-expect-error a lead has no such field
  lead.no_such_field;
  // @ts-expect-error the path parameter is required
  await client.GET('/api/v1/leads/{id}', {});
  // @ts-expect-error not a path the API serves
  await client.GET('/api/v1/nowhere');
  // @ts-expect-error status is one of the lead statuses
  await client.GET('/api/v1/leads', { params: { query: { status: 'sold' } } });
  for await (const event of paginate((cursor) => ok(client.GET('/api/v1/events', { params: { query: { cursor } } })))) {
    const type: 'lead.created' | string = event.type;
    // @ts-expect-error an event's id is a string
    const id: number = event.id;
    void type, id;
  }
  const payload = await verifyWebhook<{ event: string }>('{}', new Headers(), 'whsec_x');
  return [email, payload.event];
}
