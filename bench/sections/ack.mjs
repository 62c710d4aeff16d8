// Section `ack`: how fast webhooks are acknowledged.
//
// (a) a bare Probot app with an empty handler (bench/lib/bare-probot.mjs) and (b) our app
// (`node dist/main.js`) while its worker is busy with a backlog of runs, both as child
// processes, both loaded by the same generator (bench/lib/loadgen.mjs, a process of its own):
// 32 keep-alive connections, each sending signed `code_scanning_alert` `created` deliveries
// back to back, every one with its own delivery id, alert number and installation.
//
// The machine is noisy (a VM's neighbours come and go within seconds), so the two are measured
// in alternating rounds (bare, ours, ours, bare, ...), and the ratios are the medians of the
// rounds' ratios. While bare is measured our app is paused (SIGSTOP: it takes no CPU, and its
// backlog waits); while ours is measured bare is idle. Reported: answers per second and
// p50/p99 latency of each (medians over the rounds), and the ratios ours/bare (throughput,
// goal >= 0.8; p99, goal <= 2).
import { join } from "node:path";
import { startGitHubStandIn } from "../standin/github.mjs";
import { ids, startApp, sleep } from "../lib/common.mjs";
import { runHelper, startProbotChild, WEBHOOK_SECRET } from "../lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../lib/webhooks.mjs";

export async function run(ctx) {
  const p = ctx.quick ? { rounds: 3, warmupMs: 500, durationMs: 1500, backlog: 300 } : { rounds: 5, warmupMs: 1000, durationMs: 4000, backlog: 3000 };
  const concurrency = 32;
  // Nothing to index at start-up: the stand-in lists no installations.
  const standIn = await startGitHubStandIn({ installations: 0 });
  let number = 1;
  const load = (url) => {
    const firstNumber = number;
    // Every delivery of every round is new: ids and alert numbers never repeat.
    number += 1_000_000;
    return runHelper("./loadgen.mjs", { url, secret: WEBHOOK_SECRET, concurrency, warmupMs: p.warmupMs, durationMs: p.durationMs, firstInstallation: 100_001, installations: 1000, firstNumber }, { timeoutMs: p.warmupMs + p.durationMs + 60_000 });
  };
  try {
    const bare = await startProbotChild({ kind: "bare", standIn, workDir: join(ctx.workDir, "bare") });
    const app = await startApp({ standIn, workDir: join(ctx.workDir, "app") });
    const rounds = [];
    let busy;
    try {
      const backlog = await sendAlerts({ url: app.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations: ids(5001, 50), count: p.backlog, firstNumber: 1, concurrency });
      number = 1 + p.backlog;
      // The worker has started on the backlog once it has talked to GitHub.
      const started = await standIn.waitUntil(() => standIn.calls() > 0, { timeoutMs: 15_000, deadline: ctx.deadline - 20_000 });
      let workerCalls = 0;
      let runsFinished = 0;
      const measureOurs = async () => {
        const before = { calls: standIn.calls(), completed: standIn.stats.checkRuns.completed };
        const o = await load(app.webhookUrl);
        workerCalls += standIn.calls() - before.calls;
        runsFinished += standIn.stats.checkRuns.completed - before.completed;
        return o;
      };
      const measureBare = async () => {
        process.kill(app.pid, "SIGSTOP");
        try {
          return await load(bare.webhookUrl);
        } finally {
          process.kill(app.pid, "SIGCONT");
        }
      };
      // Bare's warm-up, not counted (ours had the backlog): its first round must not meet a cold JIT.
      await measureBare();
      for (let r = 0; r < p.rounds; r++) {
        // ABBA: a drift in the machine's speed weighs on both alike.
        if (r % 2 === 0) {
          const b = await measureBare();
          rounds.push({ bare: b, ours: await measureOurs() });
        } else {
          const o = await measureOurs();
          rounds.push({ bare: await measureBare(), ours: o });
        }
      }
      const completed = standIn.stats.checkRuns.completed;
      busy = { started, backlogAccepted: backlog.accepted, workerCallsDuringLoad: workerCalls, runsFinishedDuringLoad: runsFinished, backlogLeft: Math.max(0, p.backlog - completed) };
      ctx.detail("rounds", rounds);
      ctx.detail("worker", busy);
    } finally {
      await app.stop();
      await bare.stop();
    }
    const b = summary(rounds.map((r) => r.bare));
    const o = summary(rounds.map((r) => r.ours));
    ctx.row("bare Probot: acks/s", b.rps, { unit: "req/s" });
    ctx.row("bare Probot: p50 latency", b.p50, { unit: "ms" });
    ctx.row("bare Probot: p99 latency", b.p99, { unit: "ms" });
    ctx.row("ours: acks/s (worker busy)", o.rps, { unit: "req/s" });
    ctx.row("ours: p50 latency", o.p50, { unit: "ms" });
    ctx.row("ours: p99 latency", o.p99, { unit: "ms" });
    const bad = o.requests - o.ok;
    ctx.row("ours: answers other than 2xx", bad, { goal: "0", pass: bad === 0, note: bad ? JSON.stringify(o.statuses) : "" });
    // The deliveries of the load become runs too, so a fast worker that clears the backlog stays busy.
    const worked = busy.started && busy.workerCallsDuringLoad > 0;
    ctx.row("ours: worker busy during the load", worked ? "yes" : "no", {
      goal: "yes",
      pass: worked,
      note: `${busy.workerCallsDuringLoad} GitHub calls, ${busy.runsFinishedDuringLoad} runs finished during the load (backlog: ${p.backlog} runs)`,
    });
    const ratio = median(rounds.map((r) => r.ours.rps / r.bare.rps));
    ctx.row("throughput ours / bare", ratio, { goal: ">= 0.8", pass: ratio >= 0.8, note: `median of ${rounds.length} rounds: ${rounds.map((r) => (r.ours.rps / r.bare.rps).toFixed(2)).join(", ")}` });
    const p99 = median(rounds.map((r) => r.ours.p99 / r.bare.p99));
    ctx.row("p99 ours / bare", p99, { goal: "<= 2", pass: p99 <= 2, note: `median of ${rounds.length} rounds: ${rounds.map((r) => (r.ours.p99 / r.bare.p99).toFixed(2)).join(", ")}` });
    await sleep(0);
  } finally {
    await standIn.close();
  }
}

/** The rounds of one side: medians of their rates and latencies, and all their answers. */
function summary(results) {
  const sum = (key) => results.reduce((n, r) => n + r[key], 0);
  return {
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    requests: sum("requests"),
    ok: sum("ok"),
    statuses: results.reduce((all, r) => {
      for (const [status, n] of Object.entries(r.statuses)) all[status] = (all[status] ?? 0) + n;
      return all;
    }, {}),
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
