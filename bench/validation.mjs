#!/usr/bin/env node
// Times the hostile corpus (bench/hostile-corpus.mjs) through the built validator (dist/) and
// fails when a file takes 200 ms or more, or grows memory by 64 MB or more.
//
//   npm run bench                     (builds first)
//   node bench/validation.mjs [--json] [name filter]
//
// Each file runs in a child process of its own, so that its memory is its own: the child warms
// up on valid and ordinary invalid workflows (a running app is warm), resets
// the peak-RSS mark (Linux: /proc/self/clear_refs), then loads the hostile file once and reports
// the time, the peak RSS above the warm baseline (VmHWM after − VmRSS before: everything the
// load touched, heap included), and the heap change (heapUsed after − before, no GC forced, so
// negative when a collection ran during the load). The time reported and checked is that first
// run of the file; the best of three more runs is shown for comparison.
import { fork } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { hostileCorpus, largeValidWorkflow } from "./hostile-corpus.mjs";

const MAX_MS = 200;
const MAX_MB = 64;
const MB = 1024 * 1024;
const root = fileURLToPath(new URL("../", import.meta.url));

async function loadDist() {
  try {
    const workflows = await import(new URL("../dist/workflows/index.js", import.meta.url).href);
    return workflows;
  } catch (err) {
    console.error(`bench/validation: cannot load dist/ (run npm run build first): ${err.message}`);
    process.exit(2);
  }
}

/** VmRSS or VmHWM of this process, in bytes (Linux), else undefined. */
function procStatus(field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetPeak() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

async function child(index) {
  const { loadWorkflow, LIMITS } = await loadDist();
  const entry = hostileCorpus(LIMITS)[index];
  // Warm up as a running app is: on every fixture, valid and invalid, and one large valid workflow.
  const dir = `${root}test/fixtures/workflows/`;
  const warm = ["valid", "invalid"].flatMap((kind) => readdirSync(dir + kind).map((name) => [`.governance/${name}`, readFileSync(`${dir}${kind}/${name}`, "utf8")]));
  warm.push([".governance/large.yml", largeValidWorkflow()]);
  for (let i = 0; i < 20; i++) for (const [path, text] of warm) loadWorkflow(path, text);

  // No forced GC here: a full collection shrinks the young generation, and the run after it
  // would pay to grow it again, which a running app does not.
  const peakReset = resetPeak();
  const rssBefore = procStatus("VmRSS") ?? process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  const result = loadWorkflow(entry.file, entry.text);
  const ms = performance.now() - start;
  const heapAfter = process.memoryUsage().heapUsed;
  const peak = peakReset ? procStatus("VmHWM") : process.resourceUsage().maxRSS * 1024;

  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    loadWorkflow(entry.file, entry.text);
    best = Math.min(best, performance.now() - s);
  }
  process.send({
    name: entry.name,
    bytes: Buffer.byteLength(entry.text, "utf8"),
    ms,
    best,
    peakMb: (peak - rssBefore) / MB,
    heapMb: (heapAfter - heapBefore) / MB,
    peakExact: peakReset,
    diagnostics: result.diagnostics.length,
    first: result.diagnostics[0]?.message ?? "",
  });
}

function run(index) {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(import.meta.url), ["--child", String(index)], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let got;
    p.on("message", (m) => (got = m));
    p.on("error", reject);
    p.on("exit", (code) => (got ? resolve(got) : reject(new Error(`file ${index}: the child exited with ${code}`))));
  });
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const filter = args.find((a) => !a.startsWith("--"));
  const { LIMITS } = await loadDist();
  const corpus = hostileCorpus(LIMITS)
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => !filter || entry.name.includes(filter));
  const rows = [];
  for (const { index } of corpus) rows.push(await run(index));

  const failed = rows.filter((r) => r.ms >= MAX_MS || r.peakMb >= MAX_MB || r.heapMb >= MAX_MB);
  if (json) {
    console.log(JSON.stringify({ maxMs: MAX_MS, maxMb: MAX_MB, rows }, null, 2));
  } else {
    const pad = (s, n) => String(s).padStart(n);
    console.log(`${"ms".padStart(7)} ${"best".padStart(6)} ${"peak RSS".padStart(9)} ${"heap Δ".padStart(7)} ${"KiB".padStart(5)} ${"diags".padStart(5)}  file`);
    for (const r of rows) {
      const flag = failed.includes(r) ? "  <-- FAIL" : "";
      console.log(`${pad(r.ms.toFixed(1), 7)} ${pad(r.best.toFixed(1), 6)} ${pad(r.peakMb.toFixed(1) + " MB", 9)} ${pad(r.heapMb.toFixed(1) + " MB", 7)} ${pad((r.bytes / 1024).toFixed(0), 5)} ${pad(r.diagnostics, 5)}  ${r.name}${flag}`);
    }
    const worst = (key) => rows.reduce((a, r) => (r[key] > a[key] ? r : a), rows[0]);
    if (rows.length > 0) {
      console.log(`\n${rows.length} files; slowest ${worst("ms").ms.toFixed(1)} ms (${worst("ms").name}); largest peak RSS ${worst("peakMb").peakMb.toFixed(1)} MB (${worst("peakMb").name})`);
      if (!rows[0].peakExact) console.log("(peak RSS is the process's lifetime peak here: /proc/self/clear_refs is not available)");
    }
  }
  if (failed.length > 0) {
    console.error(`\n${failed.length} file(s) over the bound (${MAX_MS} ms, ${MAX_MB} MB)`);
    process.exit(1);
  }
}

const at = process.argv.indexOf("--child");
if (at !== -1) await child(Number(process.argv[at + 1]));
else await main();
