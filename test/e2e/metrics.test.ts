import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// The benchmark's stand-in for GitHub and its process helpers: the real app, as `npm start` runs it.
import { ids, startApp } from "../../bench/lib/common.mjs";
import { WEBHOOK_SECRET } from "../../bench/lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../../bench/lib/webhooks.mjs";
import { startGitHubStandIn } from "../../bench/standin/github.mjs";

/**
 * /metrics of the real process (`node dist/main.js`): the server thread's counters (deliveries)
 * and the engine thread's (runs, steps, GitHub calls) in one Prometheus text answer, with the
 * store's figures; and /readyz once the engine thread is up.
 */
const work = mkdtempSync(join(tmpdir(), "governance-metrics-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The value of one sample line of a Prometheus text answer (`name{labels} value`), summed over lines matching `pattern`. */
function sample(text: string, pattern: RegExp): number {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("#") && pattern.test(line))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

describe("/metrics and /readyz", () => {
  it("counts the deliveries of the server thread and the runs and GitHub calls of the engine thread", { timeout: 60_000 }, async () => {
    const standIn = await startGitHubStandIn({ installations: 0 });
    try {
      const app = await startApp({ standIn, workDir: work, pacing: false });
      try {
        const sent = await sendAlerts({ url: app.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations: ids(7101, 2), count: 4, concurrency: 2 });
        expect(sent.accepted).toBe(4);
        expect(await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= 4, { timeoutMs: 30_000 })).toBe(true);
        const res = await fetch(`${app.url}/metrics`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
        const text = await res.text();
        expect(sample(text, /^governance_webhook_deliveries_total\{.*outcome="accepted"/)).toBe(4);
        expect(sample(text, /^governance_runs_finished_total\{.*status="succeeded"/)).toBe(4);
        expect(sample(text, /^governance_step_duration_seconds_count\{/)).toBeGreaterThanOrEqual(4);
        expect(sample(text, /^governance_github_requests_total\{/)).toBeGreaterThan(0);
        expect(sample(text, /^governance_engine_thread_up /)).toBe(1);
        expect(sample(text, /^governance_runs\{.*status="succeeded"/)).toBe(4);
        expect(text).toMatch(/^governance_queue_jobs\{state="due"\} \d+$/m);
        // Ready: the database answers, its schema is this build's, the engine thread beats.
        const ready = await fetch(`${app.url}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", worker: "ok" } });
        // No repository, user or token in any label.
        expect(text).not.toMatch(/repository=|login=|token/i);
      } finally {
        await app.stop();
      }
    } finally {
      await standIn.close();
    }
  });
});
