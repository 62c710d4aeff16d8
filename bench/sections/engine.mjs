// Section `engine`: how many runs the engine finishes per second, and how close it comes to
// what the stand-in can serve.
//
// 200 installations (quick: 20), one repository each (not listed by GET /app/installations, so
// that the app's start-up re-indexing of every repository's folder does not share the worker
// with the runs measured; tokens and repositories are answered for any installation); the app
// starts with pacing off (GOVERNANCE_PACING=off, GOVERNANCE_CONCURRENCY=64); once the stand-in
// has been quiet for a second, its stats are reset and 2,000
// (quick: 100) distinct high-severity alerts are sent, round robin over the installations.
// Every run of the example workflow ends with a check-run PATCH `status: completed`, so the
// runs are finished when the stand-in has seen that many completions (no sleeping).
//
//   runs/s       = finished runs / seconds from the first alert sent to the last completion (goal >= 500)
//   calls/run    = GitHub calls the app made in that time / finished runs
//   efficiency   = runs/s x calls/run / (calls/s of a bare @octokit/rest client against the
//                  same stand-in, same concurrency, same mix of calls) (goal >= 0.5)
//
// The baseline (bench/lib/octokit-baseline.mjs) runs after the app has stopped, in a process
// of its own, as the app was.
import { startGitHubStandIn } from "../standin/github.mjs";
import { ids, routeMix, startApp } from "../lib/common.mjs";
import { runHelper, WEBHOOK_SECRET } from "../lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../lib/webhooks.mjs";

export async function run(ctx) {
  const installations = ctx.quick ? 20 : 200;
  const runs = ctx.quick ? 100 : 2000;
  const concurrency = 64;
  // The installations are not listed at GET /app/installations: the app's start-up re-indexing
  // (a folder read per repository) would otherwise share the worker with the runs measured.
  const standIn = await startGitHubStandIn({ installations: 0, firstInstallationId: 1001 });
  try {
    const app = await startApp({ standIn, workDir: ctx.workDir, pacing: false });
    let measured;
    try {
      // Let the start-up indexing of the installations finish first.
      const quiet = await standIn.waitForQuiet({ quietMs: 1000, timeoutMs: ctx.quick ? 5000 : 30_000 });
      ctx.detail("startup", { calls: standIn.calls(), quiet, byRoute: standIn.snapshot().byRoute });
      standIn.reset();
      const t0 = Date.now();
      const sent = await sendAlerts({ url: app.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations: ids(1001, installations), count: runs, concurrency: 32, deadline: ctx.deadline - 10_000 });
      const tSent = Date.now();
      const done = await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= runs, { deadline: ctx.deadline - 9000, timeoutMs: Infinity });
      const t1 = Date.now();
      measured = { sent, tSendMs: tSent - t0, elapsedMs: t1 - t0, done, stats: standIn.snapshot(), appAlive: app.alive() };
    } finally {
      await app.stop();
    }
    const { stats, elapsedMs, done, sent } = measured;
    const finished = stats.checkRuns.completed;
    const secs = elapsedMs / 1000;
    const runsPerSecond = finished / secs;
    const callsPerRun = finished > 0 ? stats.total / finished : NaN;
    const appCallsPerSecond = stats.total / secs;
    ctx.detail("measured", { ...measured, stats: { ...stats, secondaryLimited: { total: stats.secondaryLimited.total } } });
    const partial = done ? "" : `timed out: ${finished} of ${runs} runs finished in ${secs.toFixed(1)} s`;
    ctx.row("runs finished", `${finished} of ${runs}`, { goal: `${runs}`, pass: done, note: sent.accepted < runs ? `only ${sent.accepted} alerts accepted (${JSON.stringify(sent.statuses)})` : partial });
    ctx.row("runs/s", runsPerSecond, { unit: "runs/s", goal: ">= 500", pass: runsPerSecond >= 500, note: partial });
    ctx.row("GitHub calls per run", callsPerRun, { note: done ? "" : "partial: calls of unfinished runs included" });
    const failed = Object.entries(stats.checkRuns.byConclusion).filter(([c]) => c !== "success");
    ctx.row("runs not successful", failed.reduce((n, [, c]) => n + c, 0), { note: failed.length ? JSON.stringify(Object.fromEntries(failed)) : "" });
    if (stats.unknown.total > 0) ctx.row("calls the stand-in does not know", stats.unknown.total, { note: JSON.stringify(stats.unknown.byRoute).slice(0, 300) });

    // The yardstick: a bare Octokit client making the same mix of calls.
    const mix = routeMix(stats);
    const baseline = await runHelper(
      "./octokit-baseline.mjs",
      { baseUrl: standIn.restUrl, concurrency, durationMs: ctx.quick ? 3000 : 10_000, mix, installations: ids(1001, installations) },
      { timeoutMs: 60_000 },
    );
    ctx.detail("baseline", { ...baseline, mix });
    ctx.row("bare Octokit calls/s (same mix)", baseline.callsPerSecond, { unit: "calls/s", note: baseline.errors ? `${baseline.errors} errors: ${baseline.firstError.join("; ")}` : "" });
    // runs/s x calls/run is the app's calls/s while it finished runs; with no run finished it is 0.
    const efficiency = finished > 0 ? appCallsPerSecond / baseline.callsPerSecond : 0;
    ctx.row("efficiency (runs/s x calls/run / baseline calls/s)", efficiency, {
      goal: ">= 0.5",
      pass: efficiency >= 0.5,
      note: finished > 0 ? `the app made ${appCallsPerSecond.toFixed(1)} calls/s` : `no run finished (the app made ${appCallsPerSecond.toFixed(1)} calls/s)`,
    });
  } finally {
    await standIn.close();
  }
}
