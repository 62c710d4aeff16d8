// Section `calls`: how many GitHub calls one run of the example costs.
//
// One installation, one repository, serving examples/.governance/. The stand-in lists no
// installations, so the app reads nothing at start-up and the first delivery meets a cold
// folder. Two alerts are sent one after the other to the same repository (the folder does not
// change in between); after each, the stand-in's stats are read once the run's check run has
// completed, then reset.
//
//   calls per run (warm, the second run)  goal <= actions + 2 (actions: the example's action steps)
//   calls to load .governance/ cold        goal <= 1 (every GraphQL query that reads the folder
//                                          and every Contents API call; token creation aside)
//   calls to load .governance/ warm        goal 0
import { startGitHubStandIn } from "../standin/github.mjs";
import { exampleActionSteps, startApp } from "../lib/common.mjs";
import { WEBHOOK_SECRET } from "../lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../lib/webhooks.mjs";

export async function run(ctx) {
  const installation = 1001;
  const actions = exampleActionSteps();
  const standIn = await startGitHubStandIn({ installations: 0 });
  try {
    const app = await startApp({ standIn, workDir: ctx.workDir });
    const runs = [];
    try {
      await standIn.waitForQuiet({ quietMs: 1000, timeoutMs: 5000 });
      ctx.detail("startup", standIn.snapshot().byRoute);
      const template = alertTemplate();
      for (const number of [1, 2]) {
        standIn.reset();
        const sent = await sendAlerts({ url: app.webhookUrl, secret: WEBHOOK_SECRET, template, installations: [installation], count: 1, firstNumber: number });
        const done = await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= 1, { deadline: ctx.deadline - 5000 - (number === 1 ? 15_000 : 0), timeoutMs: Infinity });
        // Calls after the completing PATCH belong to this run too (none expected): wait a moment.
        if (done) await standIn.waitForQuiet({ quietMs: 300, timeoutMs: 3000 });
        runs.push({ number, sent: sent.statuses, done, stats: standIn.snapshot() });
        if (!done) break;
      }
    } finally {
      await app.stop();
    }
    ctx.detail("runs", runs.map((r) => ({ number: r.number, done: r.done, sent: r.sent, total: r.stats.total, byRoute: r.stats.byRoute, graphql: r.stats.graphql, unknown: r.stats.unknown })));
    const [cold, warm] = runs;
    const breakdown = (r) => Object.entries(r.stats.byRoute).map(([k, v]) => `${k.replace("/repos/{owner}/{repo}", "…")} ${v}`).join(", ");
    const folder = (r) => r.stats.folderReads;
    ctx.row("action steps in the example", actions);
    ctx.row("calls per run (cold, first run)", cold.done ? cold.stats.total : null, { note: cold.done ? breakdown(cold) : "the run did not finish in time" });
    ctx.row("calls per run (warm, second run)", warm?.done ? warm.stats.total : null, {
      goal: `<= ${actions + 2}`,
      pass: warm?.done ? warm.stats.total <= actions + 2 : false,
      note: warm?.done ? breakdown(warm) : "the run did not finish in time",
    });
    ctx.row("calls to load .governance/ (cold)", cold.done ? folder(cold) : null, { goal: "<= 1", pass: cold.done && folder(cold) <= 1, note: cold.done ? JSON.stringify(cold.stats.graphql) : "" });
    ctx.row("calls to load .governance/ (warm, unchanged folder)", warm?.done ? folder(warm) : null, { goal: "0", pass: warm?.done ? folder(warm) === 0 : false, note: warm?.done ? JSON.stringify(warm.stats.graphql) : "" });
    const unknown = runs.reduce((n, r) => n + r.stats.unknown.total, 0);
    if (unknown > 0) ctx.row("calls the stand-in does not know", unknown, { note: JSON.stringify(runs.map((r) => r.stats.unknown.byRoute)).slice(0, 300) });
  } finally {
    await standIn.close();
  }
}
