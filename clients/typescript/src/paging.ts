// Lists answer `{data, next_cursor}` (and `has_more`): a page, and the cursor
// of the next one, `null` on the last. This walks them all.

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
  has_more?: boolean;
}

/**
 * Every item of every page, in the list's order, fetching a page only when
 * the items before it are used:
 * `for await (const lead of paginate((cursor) => ok(client.GET('/api/v1/leads', { params: { query: { cursor } } }))))`.
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.data;
    const next = page.next_cursor ?? undefined;
    if (page.has_more === false || next === undefined) return;
    // A cursor that comes back would loop forever: a server fault, not the end.
    if (seen.has(next)) throw new Error(`the list answered cursor ${next} twice`);
    seen.add(next);
    cursor = next;
  }
}
