// Section `validation`: bench/validation.mjs, the hostile workflow corpus through the built
// validator, run as it is (`node bench/validation.mjs --json [filter]`) and read from its JSON.
// Goals as in that script: every file under 200 ms and under 64 MB (peak RSS and heap).
//
// Each file takes a child process of its own and about 4 s on this machine, so the whole
// corpus takes about 3 minutes; in quick mode only the files whose name contains "token cap"
// (the heaviest family) are timed.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ROOT } from "../lib/processes.mjs";

const QUICK_FILTER = "token cap";

export async function run(ctx) {
  const script = fileURLToPath(new URL("../validation.mjs", import.meta.url));
  const args = [script, "--json", ...(ctx.quick ? [QUICK_FILTER] : [])];
  const timeoutMs = Math.max(5000, ctx.deadline - Date.now() - 2000);
  const { code, stdout, stderr, timedOut } = await new Promise((resolve) => {
    // detached: its own process group, so a timeout can end the grandchildren too.
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    let err = "";
    let timedOut = false;
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const kill = () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    };
    process.once("exit", kill);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    child.on("exit", (c) => {
      clearTimeout(timer);
      process.removeListener("exit", kill);
      resolve({ code: c, stdout: out, stderr: err, timedOut });
    });
  });
  if (timedOut) {
    ctx.row("validation.mjs", "timed out", { goal: "finishes", pass: false, note: `after ${(timeoutMs / 1000).toFixed(0)} s` });
    return;
  }
  let result;
  try {
    result = JSON.parse(stdout);
  } catch {
    ctx.row("validation.mjs", `exit ${code}`, { goal: "JSON output", pass: false, note: stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 300) });
    return;
  }
  const rows = result.rows ?? [];
  const maxMs = result.maxMs ?? 200;
  const maxMb = result.maxMb ?? 64;
  const worst = (key) => rows.reduce((a, r) => (a === undefined || r[key] > a[key] ? r : a), undefined);
  const slow = worst("ms");
  const peak = worst("peakMb");
  const heap = worst("heapMb");
  const over = rows.filter((r) => r.ms >= maxMs || r.peakMb >= maxMb || r.heapMb >= maxMb);
  ctx.detail("validation", result);
  ctx.row("hostile files timed", rows.length, { note: ctx.quick ? `quick: only names containing "${QUICK_FILTER}"` : "the whole corpus" });
  ctx.row("slowest file", slow?.ms ?? null, { unit: "ms", goal: `< ${maxMs} ms`, pass: slow ? slow.ms < maxMs : false, note: slow?.name ?? "" });
  ctx.row("largest peak RSS above warm", peak?.peakMb ?? null, { unit: "MB", goal: `< ${maxMb} MB`, pass: peak ? peak.peakMb < maxMb : false, note: peak?.name ?? "" });
  ctx.row("largest heap growth", heap?.heapMb ?? null, { unit: "MB", goal: `< ${maxMb} MB`, pass: heap ? heap.heapMb < maxMb : false, note: heap?.name ?? "" });
  ctx.row("files over a bound", over.length, { goal: "0", pass: over.length === 0, note: over.map((r) => r.name).join("; ").slice(0, 300) });
}
