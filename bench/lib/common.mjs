// What the sections share: result rows, the operator configuration the app runs with, the
// app's start with the benchmark's environment, and a few measurements of the stand-in's stats.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { ROOT, startProbotChild, startWorkerChild } from "./processes.mjs";

const require = createRequire(import.meta.url);

/**
 * One row of the final table. `pass` is true/false for a figure with a goal, null for a figure
 * shown for information. `value` is a number (shown with `unit`) or a string.
 */
export function makeRow(section, figure, value, { unit = "", goal = "", pass = null, note = "" } = {}) {
  return { section, figure, value: typeof value === "number" && !Number.isFinite(value) ? null : value, unit, goal, pass, note };
}

/** A number for the table: 3 significant digits, at most 2 decimals. */
export function fmt(value, unit = "") {
  if (value === null || value === undefined) return "n/a";
  if (typeof value !== "number") return String(value);
  const abs = Math.abs(value);
  const text = abs >= 100 || Number.isInteger(value) ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
  return unit ? `${text} ${unit}` : text;
}

/**
 * The operator configuration: the example's `#sec-team` channel (and one more) posting to the
 * stand-in's hook, and, when `github` is given, the secondary limits the app paces to
 * (`{ contentCreatesPerMinute, contentCreatesPerHour }`; the app's defaults are GitHub's, 80
 * and 500).
 */
export function writeOperatorConfig(workDir, standIn, github) {
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, "governance.config.yml");
  const lines = [
    "notify:",
    "  channels:",
    '    "#sec-team":',
    `      webhookUrl: ${standIn.url}/hooks/sec-team`,
    '    "#sec-leads":',
    `      webhookUrl: ${standIn.url}/hooks/sec-leads`,
  ];
  if (github) {
    lines.push("github:");
    for (const [k, v] of Object.entries(github)) lines.push(`  ${k}: ${v}`);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/**
 * Starts our app (`node dist/main.js`) against the stand-in. `pacing: false` passes
 * GOVERNANCE_PACING=off and GOVERNANCE_CONCURRENCY=64; `github` goes to the operator
 * configuration (see writeOperatorConfig).
 */
export async function startApp(options) {
  return startProbotChild({ kind: "app", ...childOptions(options, "app") });
}

/** `governance worker` with the app's operator configuration, on the app's database and stand-in (see startWorkerChild). */
export async function startWorker(options) {
  return startWorkerChild(childOptions(options, "worker"));
}

/** What an app or worker child is started with: the operator configuration written for the stand-in, and pacing off when asked. */
function childOptions({ standIn, workDir, name, pacing = true, github, env = {} }, defaultName) {
  const config = writeOperatorConfig(workDir, standIn, github);
  return {
    standIn,
    workDir,
    name: name ?? defaultName,
    env: {
      GOVERNANCE_CONFIG: config,
      ...(pacing ? {} : { GOVERNANCE_PACING: "off", GOVERNANCE_CONCURRENCY: "64" }),
      ...env,
    },
  };
}

/**
 * The app's calls by route, with GraphQL split by query (folder listing, tree oid, blob
 * texts), as [{ route, weight }]: the mix the bare Octokit baseline replays.
 */
export function routeMix(stats) {
  const mix = [];
  for (const [route, n] of Object.entries(stats.byRoute)) {
    if (route === "POST /graphql" || route === "(unknown)") continue;
    mix.push({ route, weight: n });
  }
  for (const [kind, n] of Object.entries(stats.graphql)) if (n > 0 && kind !== "other") mix.push({ route: `POST /graphql (${kind})`, weight: n });
  return mix.sort((a, b) => b.weight - a.weight);
}

/** The action steps of the example workflows (examples/.governance/*.json|yml|yaml). */
export function exampleActionSteps() {
  const dir = join(ROOT, "examples/.governance");
  let count = 0;
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), "utf8");
    let doc;
    if (name.endsWith(".json")) doc = JSON.parse(text);
    else if (/\.ya?ml$/.test(name)) doc = require("yaml").parse(text);
    else continue;
    count += countActions(doc?.steps ?? []);
  }
  return count;
}

function countActions(steps) {
  let n = 0;
  for (const s of steps) {
    if (s?.type === "action") n++;
    // Parallel branches hold steps of their own.
    for (const b of s?.branches ?? []) n += countActions(b?.steps ?? []);
  }
  return n;
}

/** A promise that resolves after `ms`. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Installation ids `first`, `first + 1`, ... (`count` of them). */
export const ids = (first, count) => Array.from({ length: count }, (_, i) => first + i);

/** Seconds between two epoch-ms instants. */
export const seconds = (from, to) => (to - from) / 1000;
