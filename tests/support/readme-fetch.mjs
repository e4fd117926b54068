// Preloaded (`node --import`) into the README's js examples: writes every
// answer `fetch` gets to stderr, as the README test's `curl` function does, so
// an example that ignores a failed answer still fails its test.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  const url = input instanceof Request ? input.url : String(input);
  process.stderr.write(`README-HTTP ${response.status} ${method.toUpperCase()} ${url}\n`);
  return response;
};
