// Widget weight and page cost. Prints exact compressed sizes of what a
// visitor downloads, and, in headless Chromium, what the widget costs a page
// compared with the same page without it. Reports ratios; asserts nothing.
//   node bench/widget.mjs            (after scripts/build-widget.sh)
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import http from "node:http";
import path from "node:path";
import { launchBrowser } from "../widget/test-support/browser.mjs";

const DIST = new URL("../widget/dist/", import.meta.url).pathname;
const TARGET_TOTAL_GZIP = 10 * 1024;
const TARGET_LOADER_GZIP = 1.5 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || 15);
const TOKEN = "pk_ws_00000000000000000000000000_bench";

function sizes() {
  const files = readdirSync(DIST).filter((f) => /^widget(-[0-9a-f]+)?\.(js|wasm)$/.test(f));
  const rows = files.map((name) => {
    const bytes = readFileSync(path.join(DIST, name));
    return {
      name,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
  const total = (key) => rows.reduce((sum, row) => sum + row[key], 0);
  rows.push({ name: "total", raw: total("raw"), gzip: total("gzip"), brotli: total("brotli") });
  return rows;
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

/** Serves widget/dist as the worker would (without the API: the bench submits nothing). */
async function serveDist() {
  const server = http.createServer((request, response) => {
    const file = path.join(DIST, decodeURIComponent(new URL(request.url, "http://x").pathname));
    try {
      const body = readFileSync(file);
      response.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

async function measure(browser, url, withWidget) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(url, { waitUntil: "load" });
  if (withWidget) await page.waitForFunction(() => window.benchProbe.readyAt !== null);
  else await page.waitForTimeout(0);
  const probe = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return { ...window.benchProbe, loadEvent: nav.loadEventStart };
  });
  const { metrics } = await cdp.send("Performance.getMetrics");
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  await context.close();
  return {
    scriptMs: metric("ScriptDuration") * 1000,
    taskMs: metric("TaskDuration") * 1000,
    longTasks: probe.longTasks.length,
    layoutShift: probe.layoutShift,
    loadEventMs: probe.loadEvent,
    readyMs: probe.readyAt,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function pageCost() {
  const site = await serveDist();
  const browser = await launchBrowser();
  try {
    const without = `${site.origin}/test-pages/bench.html`;
    const withWidget = `${without}?token=${TOKEN}`;
    const runs = { without: [], with: [] };
    for (let i = 0; i < RUNS; i++) {
      runs.without.push(await measure(browser, without, false));
      runs.with.push(await measure(browser, withWidget, true));
    }
    const summary = (list) =>
      Object.fromEntries(Object.keys(list[0]).map((key) => [key, key === "longTasks" ? Math.max(...list.map((r) => r[key])) : median(list.map((r) => r[key] ?? 0))]));
    return { without: summary(runs.without), with: summary(runs.with) };
  } finally {
    await browser.close();
    site.close();
  }
}

const rows = sizes();
const loader = rows.find((r) => r.name === "widget.js");
const total = rows.find((r) => r.name === "total");
console.log("Widget weight (bytes)");
console.table(rows);
console.log(`total gzip ${total.gzip} B = ${(total.gzip / TARGET_TOTAL_GZIP).toFixed(2)} of the 10 KB target`);
console.log(`loader gzip ${loader.gzip} B = ${(loader.gzip / TARGET_LOADER_GZIP).toFixed(2)} of the 1.5 KB target`);

const cost = await pageCost();
const fmt = (n) => (typeof n === "number" ? Number(n.toFixed(n < 1 ? 4 : 1)) : n);
console.log(`\nPage cost in headless Chromium, median of ${RUNS} runs (long tasks: worst run)`);
console.table(Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([m, x]) => [m, fmt(x)]))])));
console.log(`main-thread script time added: ${(cost.with.scriptMs - cost.without.scriptMs).toFixed(1)} ms`);
console.log(`main-thread task time added: ${(cost.with.taskMs - cost.without.taskMs).toFixed(1)} ms`);
console.log(`load event ratio with/without widget: ${(cost.with.loadEventMs / cost.without.loadEventMs).toFixed(2)}`);
console.log(`widget ready ${cost.with.readyMs.toFixed(1)} ms after navigation start`);
