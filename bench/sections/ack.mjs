// Section `ack`: how fast webhooks are acknowledged.
//
// (a) a bare Probot app with an empty handler (bench/lib/bare-probot.mjs), then (b) our app
// (`node dist/main.js`) while its worker is busy with a backlog of runs, both as child
// processes, both loaded by the same generator (bench/lib/loadgen.mjs, a process of its own):
// 32 keep-alive connections, each sending signed `code_scanning_alert` `created` deliveries
// back to back, every one with its own delivery id, alert number and installation. Reported:
// answers per second and p50/p99 latency of each, and the ratios ours/bare (throughput,
// goal >= 0.8; p99, goal <= 2).
import { join } from "node:path";
import { startGitHubStandIn } from "../standin/github.mjs";
import { ids, startApp, sleep } from "../lib/common.mjs";
import { runHelper, startProbotChild, WEBHOOK_SECRET } from "../lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../lib/webhooks.mjs";

export async function run(ctx) {
  const p = ctx.quick ? { warmupMs: 1000, durationMs: 3000, backlog: 200 } : { warmupMs: 2000, durationMs: 10_000, backlog: 2000 };
  const concurrency = 32;
  // Nothing to index at start-up: the stand-in lists no installations.
  const standIn = await startGitHubStandIn({ installations: 0 });
  const load = (url, firstNumber) =>
    runHelper("./loadgen.mjs", { url, secret: WEBHOOK_SECRET, concurrency, warmupMs: p.warmupMs, durationMs: p.durationMs, firstInstallation: 100_001, installations: 1000, firstNumber }, { timeoutMs: p.warmupMs + p.durationMs + 60_000 });
  try {
    // (a) The bare Probot app.
    const bare = await startProbotChild({ kind: "bare", standIn, workDir: join(ctx.workDir, "bare") });
    let b;
    try {
      b = await load(bare.webhookUrl, 1);
    } finally {
      await bare.stop();
    }
    ctx.detail("bare", b);
    ctx.row("bare Probot: acks/s", b.rps, { unit: "req/s" });
    ctx.row("bare Probot: p50 latency", b.p50, { unit: "ms" });
    ctx.row("bare Probot: p99 latency", b.p99, { unit: "ms" });

    // (b) Our app, with a backlog of runs in its worker.
    const app = await startApp({ standIn, workDir: join(ctx.workDir, "app") });
    let o;
    let busy;
    try {
      const backlog = await sendAlerts({ url: app.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations: ids(5001, 50), count: p.backlog, firstNumber: 1, concurrency });
      // The worker has started on the backlog once it has talked to GitHub.
      const started = await standIn.waitUntil(() => standIn.calls() > 0, { timeoutMs: 15_000, deadline: ctx.deadline - 20_000 });
      const before = { calls: standIn.calls(), completed: standIn.stats.checkRuns.completed };
      o = await load(app.webhookUrl, 1_000_001);
      const after = { calls: standIn.calls(), completed: standIn.stats.checkRuns.completed };
      // Busy = the worker kept calling GitHub during the load and had not finished the backlog.
      busy = { started, backlogAccepted: backlog.accepted, workerCallsDuringLoad: after.calls - before.calls, runsFinishedDuringLoad: after.completed - before.completed, backlogLeft: Math.max(0, p.backlog - after.completed) };
      ctx.detail("ours", o);
      ctx.detail("worker", busy);
    } finally {
      await app.stop();
    }
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
    const ratio = o.rps / b.rps;
    ctx.row("throughput ours / bare", ratio, { goal: ">= 0.8", pass: ratio >= 0.8 });
    const p99 = o.p99 / b.p99;
    ctx.row("p99 ours / bare", p99, { goal: "<= 2", pass: p99 <= 2 });
    await sleep(0);
  } finally {
    await standIn.close();
  }
}
