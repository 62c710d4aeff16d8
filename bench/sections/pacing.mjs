// Section `pacing`: does the app keep under GitHub's secondary limit on content-creating
// requests, and still use it?
//
// One installation, a burst of 500 alerts (quick: 100); the stand-in answers a POST issues /
// comments / check-runs beyond `--pacing-limit` (default 80) in any sliding 60 s window with
// 403 "You have exceeded a secondary rate limit" and retry-after, as GitHub does. The app runs
// with pacing on (its default). Reported:
//   secondary-limit answers given            goal 0
//   creates/min over the steady part / limit goal >= 0.9. The steady part: the accepted creates
//                                            from the 10th to the 90th percentile of their times
//   runs dropped or unfinished               goal 0: every run finished (its check run completed)
//
// The app is told the limits the stand-in enforces, through its operator configuration:
// `github.contentCreatesPerMinute: <limit>` and `contentCreatesPerHour: 0` (the stand-in has no
// hourly limit; the app's default of 500 an hour would hold the full burst for an hour).
//
// At 80/min the full burst (2 creates per run: check run and issue) takes about 12.5 minutes.
// In quick mode the limit defaults to 600/min so that the 100 alerts (200 creates) end fast;
// that is a smoke test: when the creates span less than two minutes there is no steady part,
// and the ratio is shown but not judged.
import { startGitHubStandIn } from "../standin/github.mjs";
import { startApp } from "../lib/common.mjs";
import { WEBHOOK_SECRET } from "../lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../lib/webhooks.mjs";

/** Alerts sent: 2 creates each (the check run and the issue). */
const alertsFor = (quick) => (quick ? 100 : 500);
const limitFor = (flags) => flags.pacingLimit ?? (flags.quick ? 600 : 80);

/** The section's time budget: long enough for every create at the limit, with a margin. */
export function budgetSeconds(flags, base) {
  const minutes = (alertsFor(flags.quick) * 2) / limitFor(flags);
  return Math.max(base, Math.ceil(minutes * 60 * 1.3 + 40));
}

/** Creates per minute between the 10th and 90th percentile of the create times. */
export function steadyRate(times) {
  if (times.length < 10) return { perMinute: NaN, from: NaN, to: NaN, count: times.length };
  const sorted = [...times].sort((a, b) => a - b);
  const a = Math.floor(0.1 * (sorted.length - 1));
  const b = Math.ceil(0.9 * (sorted.length - 1));
  const span = sorted[b] - sorted[a];
  return { perMinute: span > 0 ? ((b - a) / span) * 60_000 : NaN, from: sorted[a], to: sorted[b], count: b - a };
}

export async function run(ctx) {
  const limit = limitFor(ctx.flags);
  const alerts = alertsFor(ctx.quick);
  const installation = 1001;
  const standIn = await startGitHubStandIn({ installations: 1, firstInstallationId: installation, createLimitPerMinute: limit });
  try {
    const app = await startApp({ standIn, workDir: ctx.workDir, pacing: true, github: { contentCreatesPerMinute: limit, contentCreatesPerHour: 0 } });
    let m;
    try {
      await standIn.waitForQuiet({ quietMs: 1000, timeoutMs: 10_000 });
      standIn.reset();
      const t0 = Date.now();
      const sent = await sendAlerts({ url: app.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations: [installation], count: alerts, concurrency: 32, deadline: ctx.deadline - 10_000 });
      const done = await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= alerts, { deadline: ctx.deadline - 5000, timeoutMs: Infinity, everyMs: 200 });
      m = { sent, done, elapsedMs: Date.now() - t0, stats: standIn.snapshot() };
    } finally {
      await app.stop();
    }
    const { stats } = m;
    const creates = stats.creates.byInstallation[String(installation)] ?? [];
    const steady = steadyRate(creates);
    ctx.detail("measured", { limit, alerts, elapsedMs: m.elapsedMs, done: m.done, sent: m.sent, creates: creates.length, steady, secondaryLimited: stats.secondaryLimited.total, secondaryEvents: stats.secondaryLimited.events.slice(0, 20), checkRuns: stats.checkRuns, byRoute: stats.byRoute });
    const note = m.done ? "" : `timed out after ${(m.elapsedMs / 1000).toFixed(0)} s`;
    ctx.row("limit (content-creating requests/min)", limit, { note: `${ctx.quick && !ctx.flags.pacingLimit ? "quick mode: raised from 80 so the burst ends fast; " : ""}the app is configured with it, and no hourly limit` });
    ctx.row("secondary-limit answers", stats.secondaryLimited.total, { goal: "0", pass: stats.secondaryLimited.total === 0 });
    const ratio = steady.perMinute / limit;
    // A steady part needs the limit's window to have come round: creates over two minutes at least.
    const span = creates.length ? (Math.max(...creates) - Math.min(...creates)) / 1000 : 0;
    const judged = span >= 120;
    ctx.row("creates/min (steady part) / limit", ratio, {
      goal: ">= 0.9",
      pass: judged ? ratio >= 0.9 : null,
      note: `${creates.length} creates over ${span.toFixed(0)} s; ${Number.isFinite(steady.perMinute) ? steady.perMinute.toFixed(1) : "n/a"}/min over the middle 80%${judged ? "" : "; not judged: no steady part (under 2 min)"}${note ? `; ${note}` : ""}`,
    });
    const unfinished = alerts - stats.checkRuns.completed;
    ctx.row("runs dropped or unfinished", unfinished, { goal: "0", pass: unfinished === 0, note: m.done ? "" : `${stats.checkRuns.completed} of ${alerts} finished; ${note}` });
  } finally {
    await standIn.close();
  }
}
