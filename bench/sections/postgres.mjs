// Section `postgres`: runs/s on PostgreSQL with 1, 2 and 4 worker processes.
//
// For each count, a fresh schema of the test database (TEST_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/test), a web-only app (GOVERNANCE_ENGINE=off) that records
// the deliveries, and N `governance worker` processes (pacing off, 16 jobs each) that execute
// them. 1,000 (quick: 200) distinct high-severity alerts are sent round robin over 50
// installations; the figure is finished runs over the seconds from the first alert sent to the
// last check-run completion. No goal: the figures show how the engine scales across processes
// on one database (whose writes are serialised by the store's advisory lock).
import pg from "pg";
import { ids, startApp, startWorker } from "../lib/common.mjs";
import { WEBHOOK_SECRET } from "../lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../lib/webhooks.mjs";
import { startGitHubStandIn } from "../standin/github.mjs";

const POSTGRES = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function admin(text) {
  const client = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

export async function run(ctx) {
  const runs = ctx.quick ? 200 : 1000;
  const installations = ids(3001, 50);
  for (const workers of [1, 2, 4]) {
    const schema = `bench_pg_${workers}_${Date.now().toString(36)}`;
    const env = { DATABASE_URL: `${POSTGRES}${POSTGRES.includes("?") ? "&" : "?"}schema=${schema}`, GOVERNANCE_RECONCILE_MINUTES: "0" };
    const standIn = await startGitHubStandIn({ installations: 0, firstInstallationId: 3001 });
    const started = [];
    try {
      const dir = `${ctx.workDir}/w${workers}`;
      const web = await startApp({ standIn, workDir: dir, name: "web", pacing: false, env: { ...env, GOVERNANCE_ENGINE: "off" } });
      started.push(web);
      for (let i = 1; i <= workers; i++) started.push(await startWorker({ standIn, workDir: dir, name: `worker-${i}`, pacing: false, env: { ...env, GOVERNANCE_CONCURRENCY: "16" } }));
      await standIn.waitForQuiet({ quietMs: 500, timeoutMs: 5000 });
      standIn.reset();
      const t0 = Date.now();
      const sent = await sendAlerts({ url: web.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations, count: runs, concurrency: 16, deadline: ctx.deadline - 10_000 });
      const done = await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= runs, { deadline: ctx.deadline - 5000, timeoutMs: Infinity });
      const secs = (Date.now() - t0) / 1000;
      const finished = standIn.stats.checkRuns.completed;
      ctx.detail(`workers-${workers}`, { sent, finished, secs });
      ctx.row(`runs/s, ${workers} worker process${workers === 1 ? "" : "es"}`, finished / secs, { unit: "runs/s", note: done ? `${finished} runs in ${secs.toFixed(1)} s` : `timed out: ${finished} of ${runs} runs in ${secs.toFixed(1)} s` });
    } finally {
      for (const child of started.reverse()) await child.stop();
      await standIn.close();
      await admin(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    }
    if (Date.now() > ctx.deadline - 30_000) break;
  }
}
