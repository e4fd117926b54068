// Widget weight and page cost. Prints exact compressed sizes of what a
// visitor downloads, and, in headless Chromium, what the widget costs a page
// compared with the same page without it. Reports ratios; asserts nothing.
// Records its section of bench/RESULTS.md.
//   node bench/widget.mjs            (after scripts/build-widget.sh)
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import http from "node:http";
import path from "node:path";
import { launchBrowser } from "../widget/test-support/browser.mjs";
import { recordSection } from "./results.mjs";

const DIST = new URL("../widget/dist/", import.meta.url).pathname;
const TARGET_TOTAL_GZIP = 10 * 1024;
const TARGET_LOADER_GZIP = 1.5 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || 21);
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
    const worst = ["longTasks", "layoutShift"];
    const summary = (list) =>
      Object.fromEntries(Object.keys(list[0]).map((key) => {
        const values = list.map((r) => r[key] ?? 0);
        return [key, worst.includes(key) ? Math.max(...values) : median(values)];
      }));
    return { without: summary(runs.without), with: summary(runs.with) };
  } finally {
    await browser.close();
    site.close();
  }
}

const rows = sizes();
const loader = rows.find((r) => r.name === "widget.js");
const total = rows.find((r) => r.name === "total");
const totalRatio = (total.gzip / TARGET_TOTAL_GZIP).toFixed(2);
const loaderRatio = (loader.gzip / TARGET_LOADER_GZIP).toFixed(2);
console.log("Widget weight (bytes)");
console.table(rows);
console.log(`total gzip ${total.gzip} B = ${totalRatio}x the 10 KB target`);
console.log(`loader gzip ${loader.gzip} B = ${loaderRatio}x the 1.5 KB target`);

const cost = await pageCost();
const added = (key) => cost.with[key] - cost.without[key];
const ms = (n) => n.toFixed(1);
console.log(`\nPage cost in headless Chromium, median of ${RUNS} runs (long tasks and layout shift: worst run)`);
console.table(cost);
const loadRatio = (cost.with.loadEventMs / cost.without.loadEventMs).toFixed(2);
console.log(`script time added ${ms(added("scriptMs"))} ms, main-thread task time added ${ms(added("taskMs"))} ms`);
console.log(`load event with/without widget: ${loadRatio}x; widget ready ${ms(cost.with.readyMs)} ms after navigation start`);

const role = (name) => (name === "widget.js" ? "loader" : name.endsWith(".wasm") ? "wasm" : name === "total" ? "**total**" : "wasm-bindgen glue");
await recordSection("Widget", [
  "Exact bytes of what a visitor downloads (`widget/dist`, gzip -9 and brotli 11), and what the widget costs a test page",
  `(\`tests/pages/bench.html\`) in headless Chromium versus the same page without it: median of ${RUNS} interleaved runs;`,
  "long tasks and layout shift are the worst run. Timings are from a loaded 2-core machine and are noisy.",
  "",
  "| file | role | raw | gzip | brotli |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.name === "total" ? "" : `\`${r.name}\``} | ${role(r.name)} | ${r.raw} | ${r.gzip} | ${r.brotli} |`),
  "",
  `- everything, gzip: **${total.gzip} B** = **${totalRatio}x** the 10 KB target (not met)`,
  `- loader alone, gzip: **${loader.gzip} B** = **${loaderRatio}x** the 1.5 KB target`,
  "",
  "| page | script ms | main-thread task ms | long tasks | layout shift | load event ms | widget ready ms |",
  "|---|---|---|---|---|---|---|",
  ...["without", "with"].map((k) => {
    const c = cost[k];
    return `| ${k} widget | ${ms(c.scriptMs)} | ${ms(c.taskMs)} | ${c.longTasks} | ${c.layoutShift.toFixed(4)} | ${ms(c.loadEventMs)} | ${k === "with" ? ms(c.readyMs) : "–"} |`;
  }),
  "",
  `- main-thread script time added by the widget (loader + glue + wasm start): **${ms(added("scriptMs"))} ms**; all main-thread task time added (includes wasm compile): **${ms(added("taskMs"))} ms**`,
  `- long tasks with the widget: **${cost.with.longTasks}** (without: ${cost.without.longTasks}); layout shift added: **${Math.max(0, added("layoutShift")).toFixed(4)}**`,
  `- load event with/without widget: **${loadRatio}x** (the wasm loads after the load event; only the async loader itself precedes it)`,
]);
