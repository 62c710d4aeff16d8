// Section `memory`: does the app's memory stay bounded as runs accumulate?
//
// Like `engine` (200 installations, quick 20; pacing off), the app is sent 10,000 alerts
// (quick: 1,000) and, once they are all finished, its RSS is read from /proc/<pid>/status
// (VmRSS); then 10,000 more (quick: 1,000) and RSS again. Goals: both <= 250 MB, and the second
// within ±10% of the first. When the time runs out, RSS is read anyway and the row says how
// many runs it is after.
import { startGitHubStandIn } from "../standin/github.mjs";
import { ids, sleep, startApp } from "../lib/common.mjs";
import { WEBHOOK_SECRET } from "../lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../lib/webhooks.mjs";

const MB = 1024 * 1024;

export async function run(ctx) {
  const installations = ctx.quick ? 20 : 200;
  const targets = ctx.quick ? [1000, 2000] : [10_000, 20_000];
  // The installations are not listed at GET /app/installations: the app's start-up re-indexing
  // (a folder read per repository) would otherwise share the worker with the runs measured.
  const standIn = await startGitHubStandIn({ installations: 0, firstInstallationId: 1001 });
  const readings = [];
  try {
    const app = await startApp({ standIn, workDir: ctx.workDir, pacing: false });
    try {
      await standIn.waitForQuiet({ quietMs: 1000, timeoutMs: ctx.quick ? 5000 : 30_000 });
      const startRss = app.rss();
      ctx.detail("rssAtStart", startRss);
      standIn.reset();
      const template = alertTemplate();
      let sent = 0;
      for (const target of targets) {
        const r = await sendAlerts({ url: app.webhookUrl, secret: WEBHOOK_SECRET, template, installations: ids(1001, installations), count: target - sent, firstNumber: sent + 1, concurrency: 32, deadline: ctx.deadline - 6000 });
        sent += r.sent;
        const done = await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= target, { deadline: ctx.deadline - 4000, timeoutMs: Infinity, everyMs: 200 });
        if (done) await sleep(1000);
        readings.push({ target, finished: standIn.stats.checkRuns.completed, done, rss: app.rss(), at: Date.now() });
        if (!done) break;
      }
    } finally {
      await app.stop();
    }
  } finally {
    await standIn.close();
  }
  ctx.detail("readings", readings);
  targets.forEach((target, i) => {
    const r = readings[i];
    const mb = r?.rss !== undefined ? r.rss / MB : null;
    ctx.row(`RSS after ${target.toLocaleString("en")} runs`, mb, {
      unit: "MB",
      goal: "<= 250 MB",
      pass: r ? r.done && mb !== null && mb <= 250 : false,
      note: !r ? "not reached: out of time" : r.done ? "" : `out of time: read after ${r.finished} runs`,
    });
  });
  const [a, b] = readings;
  const change = a?.rss && b?.rss ? (b.rss - a.rss) / a.rss : null;
  ctx.row("RSS change between the two", change === null ? null : change * 100, { unit: "%", goal: "within ±10%", pass: change !== null && a.done && b.done && Math.abs(change) <= 0.1 });
}
