#!/usr/bin/env node
// `npm run bench`: the app's benchmarks, against a local stand-in for GitHub (bench/standin/
// github.mjs) over loopback. See bench/README.md for what each section measures and why.
//
//   npm run bench                                  (builds dist/ first, then runs everything)
//   node bench/run.mjs [--quick] [--only ack,engine,...] [--json bench/results.json]
//                      [--pacing-limit N] [--keep]
//
//   --quick          smaller counts, for a smoke run of a few minutes
//   --only a,b       only these sections (ack, engine, pacing, calls, memory, schedules, validation, postgres)
//   --json FILE      where the results go (default bench/results.json)
//   --pacing-limit N the stand-in's secondary limit in the pacing section (default 80/min;
//                    600/min in quick mode so that it ends fast)
//   --keep           keep the work folder (SQLite files and the app's logs) and print its path
//
// Every section has a time budget; one that runs out reports what it measured so far and
// fails its goals. Child processes are killed on every exit path. The exit status is 0 when
// every goal passed, 1 when one failed, 2 on a usage error.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fmt, makeRow } from "./lib/common.mjs";
import { installExitHooks, killAllNow, ROOT } from "./lib/processes.mjs";

const SECTIONS = ["ack", "engine", "pacing", "calls", "memory", "schedules", "validation", "postgres"];

/** Time budgets in seconds (quick, full). With today's engine, the slow sections use all of theirs. */
const BUDGET = {
  ack: [45, 120],
  engine: [30, 600],
  pacing: [22, 1500],
  calls: [40, 120],
  memory: [22, 1200],
  schedules: [115, 330],
  validation: [60, 600],
  postgres: [90, 300],
};

function usage(message) {
  if (message) process.stderr.write(`bench: ${message}\n`);
  process.stderr.write("usage: node bench/run.mjs [--quick] [--only ack,engine,pacing,calls,memory,schedules,validation,postgres] [--json FILE] [--pacing-limit N] [--keep]\n");
  process.exit(2);
}

function parseArgs(argv) {
  const flags = { quick: false, only: SECTIONS, json: join(ROOT, "bench/results.json"), pacingLimit: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") flags.quick = true;
    else if (a === "--keep") flags.keep = true;
    else if (a === "--only") {
      flags.only = value().split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = flags.only.filter((s) => !SECTIONS.includes(s));
      if (unknown.length) usage(`unknown section ${unknown.join(", ")}; expected ${SECTIONS.join(", ")}`);
    } else if (a === "--json") flags.json = resolve(value());
    else if (a === "--pacing-limit") {
      flags.pacingLimit = Number(value());
      if (!(flags.pacingLimit > 0)) usage("--pacing-limit must be a positive number of requests per minute");
    } else if (a === "-h" || a === "--help") usage();
    else usage(`unknown option ${a}`);
  }
  return flags;
}

async function main() {
  const flags = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, "dist/main.js"))) {
    process.stderr.write("bench: dist/main.js is missing: run `npm run build` first (npm run bench does)\n");
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), "governance-bench-"));
  installExitHooks(() => {
    if (!flags.keep) rmSync(work, { recursive: true, force: true });
  });
  const startedAt = new Date();
  const results = {
    startedAt: startedAt.toISOString(),
    quick: flags.quick,
    node: process.version,
    machine: { cpus: cpus().length, memoryMb: Math.round(totalmem() / 1024 / 1024) },
    sections: {},
    rows: [],
  };
  console.log(`bench: ${flags.quick ? "quick run" : "full run"} of ${flags.only.join(", ")} (work folder ${work})`);

  for (const name of SECTIONS.filter((s) => flags.only.includes(s))) {
    const mod = await import(`./sections/${name}.mjs`);
    // A section may stretch its budget to what its flags ask for (pacing at a low limit).
    const base = BUDGET[name][flags.quick ? 0 : 1];
    const budgetMs = (mod.budgetSeconds ? mod.budgetSeconds(flags, base) : base) * 1000;
    const started = Date.now();
    const section = { rows: [], details: {}, budgetMs };
    results.sections[name] = section;
    const workDir = join(work, name);
    mkdirSync(workDir, { recursive: true });
    const ctx = {
      quick: flags.quick,
      flags,
      workDir,
      deadline: started + budgetMs,
      row: (figure, value, opts) => section.rows.push(makeRow(name, figure, value, opts)),
      detail: (key, value) => (section.details[key] = value),
      log: (message) => console.log(`  ${message}`),
    };
    console.log(`\n[${name}] budget ${budgetMs / 1000} s`);
    const { run } = mod;
    let timer;
    try {
      // The section bounds its own waits by ctx.deadline; this is the backstop for a hang.
      const hang = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the section did not end within its budget of ${budgetMs / 1000} s (+20 s)`)), budgetMs + 20_000);
      });
      await Promise.race([run(ctx), hang]);
    } catch (err) {
      section.error = err?.stack ?? String(err);
      ctx.row("section error", "error", { goal: "runs to the end", pass: false, note: String(err?.message ?? err).split("\n").slice(0, 6).join(" | ").slice(0, 400) });
      console.log(`  error: ${err?.message ?? err}`);
      // Whatever the section left running goes now.
      killAllNow();
    } finally {
      clearTimeout(timer);
    }
    section.durationMs = Date.now() - started;
    for (const r of section.rows) console.log(`  ${r.figure}: ${fmt(r.value, r.unit)}${r.goal ? ` (goal ${r.goal}: ${verdict(r)})` : ""}${r.note ? `  [${r.note}]` : ""}`);
    console.log(`  (${(section.durationMs / 1000).toFixed(1)} s)`);
    results.rows.push(...section.rows);
  }

  results.finishedAt = new Date().toISOString();
  results.durationMs = Date.now() - startedAt.getTime();
  printTable(results.rows);
  mkdirSync(dirname(flags.json), { recursive: true });
  writeFileSync(flags.json, `${JSON.stringify(results, null, 2)}\n`);
  const failed = results.rows.filter((r) => r.pass === false).length;
  const passed = results.rows.filter((r) => r.pass === true).length;
  console.log(`\n${passed} goals passed, ${failed} failed, in ${(results.durationMs / 1000).toFixed(0)} s`);
  console.log(`results written to ${flags.json}`);
  if (flags.keep) console.log(`work folder kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
  killAllNow();
  process.exit(failed > 0 ? 1 : 0);
}

/** pass, FAIL, or "not judged" (a goal that this run could not measure, e.g. pacing in quick mode). */
function verdict(r) {
  return r.pass === null ? "not judged" : r.pass ? "pass" : "FAIL";
}

function printTable(rows) {
  const cells = rows.map((r) => [r.section, r.figure, fmt(r.value, r.unit), r.goal || "", r.goal ? verdict(r) : ""]);
  const head = ["section", "figure", "value", "goal", "result"];
  const widths = head.map((h, i) => Math.min(i === 1 ? 52 : 40, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const line = (c) => c.map((x, i) => (x.length > widths[i] ? `${x.slice(0, widths[i] - 1)}…` : x.padEnd(widths[i]))).join("  ");
  console.log(`\n${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const c of cells) console.log(line(c));
}

await main();
