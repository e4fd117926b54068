// Widget weight and page cost. Prints exact compressed sizes of what a
// visitor downloads, and, in headless Chromium, what the widget costs a page
// compared with the same page without it. Reports ratios; asserts nothing.
// Records its section of bench/RESULTS.md.
//   node bench/widget.mjs            (after scripts/build-widget.sh)
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import http from "node:http";
import path from "node:path";
import { launchBrowser } from "../tests/support/browser.mjs";
import { recordSection } from "./results.mjs";

const DIST = new URL("../widget/dist/", import.meta.url).pathname;
const TEST_PAGES = new URL("../tests/pages/", import.meta.url).pathname;
const TARGET_TOTAL_GZIP = 10 * 1024;
// Embed mode renders a whole form, so its budget (issue 10) is larger.
const TARGET_EMBED_GZIP = 15 * 1024;
const TARGET_LOADER_GZIP = 1.5 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || 21);
const TOKEN = "pk_ws_00000000000000000000000000_bench";

const FILES = new URL("../target/widget-build/files.json", import.meta.url).pathname;

function measureFile(name, role) {
  const bytes = readFileSync(path.join(DIST, name));
  return {
    name,
    role,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** What a visitor downloads in each mode: the loader, then that mode's glue and wasm. */
function sizes() {
  const files = JSON.parse(readFileSync(FILES, "utf8"));
  const loader = measureFile("widget.js", "loader");
  const modes = {};
  for (const mode of ["listener", "embed"]) {
    const glue = measureFile(files[mode].glue, `${mode} glue`);
    const wasm = measureFile(files[mode].wasm, `${mode} wasm`);
    const sum = (key) => loader[key] + glue[key] + wasm[key];
    modes[mode] = { glue, wasm, total: { name: `${mode} total`, role: "loader + glue + wasm", raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli") } };
  }
  return { loader, modes };
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

/** Serves widget/dist as the worker would (without the API: the bench submits nothing),
 *  and the test pages under /test-pages/ as the tests do. */
async function serveDist() {
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url, "http://x").pathname);
    const file = pathname.startsWith("/test-pages/")
      ? path.join(TEST_PAGES, pathname.slice("/test-pages/".length))
      : path.join(DIST, pathname);
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
    const withLongTask = (list) => list.filter((r) => r.longTasks > 0).length;
    return {
      without: { ...summary(runs.without), runsWithLongTask: withLongTask(runs.without) },
      with: { ...summary(runs.with), runsWithLongTask: withLongTask(runs.with) },
    };
  } finally {
    await browser.close();
    site.close();
  }
}

const { loader, modes } = sizes();
const rows = [loader, modes.listener.glue, modes.listener.wasm, modes.listener.total, modes.embed.glue, modes.embed.wasm, modes.embed.total];
const ratio = (bytes, target) => (bytes / target).toFixed(2);
const verdict = (r) => (Number(r) <= 1 ? "met" : "not met");
const listenerRatio = ratio(modes.listener.total.gzip, TARGET_TOTAL_GZIP);
const embedRatio = ratio(modes.embed.total.gzip, TARGET_EMBED_GZIP);
const loaderRatio = ratio(loader.gzip, TARGET_LOADER_GZIP);
console.log("Widget weight (bytes)");
console.table(rows);
console.log(`listener mode, everything: gzip ${modes.listener.total.gzip} B = ${listenerRatio}x the 10 KB target`);
console.log(`embed mode, everything: gzip ${modes.embed.total.gzip} B = ${embedRatio}x the 15 KB target`);
console.log(`loader alone: gzip ${loader.gzip} B = ${loaderRatio}x the 1.5 KB target`);

const cost = await pageCost();
const added = (key) => cost.with[key] - cost.without[key];
const ms = (n) => n.toFixed(1);
console.log(`\nPage cost in headless Chromium, median of ${RUNS} runs (long tasks and layout shift: worst run)`);
console.table(cost);
const loadRatio = (cost.with.loadEventMs / cost.without.loadEventMs).toFixed(2);
console.log(`script time added ${ms(added("scriptMs"))} ms, main-thread task time added ${ms(added("taskMs"))} ms`);
console.log(`load event with/without widget: ${loadRatio}x; widget ready ${ms(cost.with.readyMs)} ms after navigation start`);

await recordSection("Widget", [
  "Exact bytes of what a visitor downloads (`widget/dist`, gzip -9 and brotli 11) in each mode, and what the widget",
  `costs a test page (\`tests/pages/bench.html\`, listener mode) in headless Chromium versus the same page without it:`,
  `median of ${RUNS} interleaved runs; long tasks and layout shift are the worst run. Timings come from a busy 2-core`,
  "machine and are noisy.",
  "",
  "| file | role | raw | gzip | brotli |",
  "|---|---|---|---|---|",
  ...rows.map((r) => {
    const total = r.name.endsWith("total");
    const name = total ? `**${r.name}**` : `\`${r.name}\``;
    return `| ${name} | ${r.role} | ${r.raw} | ${total ? `**${r.gzip}**` : r.gzip} | ${r.brotli} |`;
  }),
  "",
  `- listener mode, everything, gzip: **${modes.listener.total.gzip} B** = **${listenerRatio}x** the 10 KB target (${verdict(listenerRatio)})`,
  `- embed mode, everything, gzip: **${modes.embed.total.gzip} B** = **${embedRatio}x** the 15 KB target (${verdict(embedRatio)})`,
  `- loader alone, gzip: **${loader.gzip} B** = **${loaderRatio}x** the 1.5 KB target (${verdict(loaderRatio)})`,
  "",
  "| page | script ms | main-thread task ms | long tasks | layout shift | load event ms | widget ready ms |",
  "|---|---|---|---|---|---|---|",
  ...["without", "with"].map((k) => {
    const c = cost[k];
    return `| ${k} widget | ${ms(c.scriptMs)} | ${ms(c.taskMs)} | ${c.longTasks} | ${c.layoutShift.toFixed(4)} | ${ms(c.loadEventMs)} | ${k === "with" ? ms(c.readyMs) : "–"} |`;
  }),
  "",
  `- main-thread script time added by the widget (loader + glue + wasm start): **${ms(added("scriptMs"))} ms**; all main-thread task time added (includes wasm compile): **${ms(added("taskMs"))} ms**`,
  `- runs with any long task: **${cost.with.runsWithLongTask}/${RUNS}** with the widget, ${cost.without.runsWithLongTask}/${RUNS} without (worst run: ${cost.with.longTasks} vs ${cost.without.longTasks}); layout shift added: **${Math.max(0, added("layoutShift")).toFixed(4)}**`,
  `- load event with/without widget: **${loadRatio}x** (the wasm loads after the load event; only the async loader itself precedes it)`,
]);
