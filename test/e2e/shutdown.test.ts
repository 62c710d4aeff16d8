import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// The benchmark's stand-in for GitHub and its process helpers: the real app, as `npm start` runs it.
import { ids, startApp } from "../../bench/lib/common.mjs";
import { WEBHOOK_SECRET } from "../../bench/lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../../bench/lib/webhooks.mjs";
import { startGitHubStandIn } from "../../bench/standin/github.mjs";

/**
 * SIGTERM with runs in flight: the app says it is shutting down, stops claiming, gives the jobs
 * in hand GOVERNANCE_SHUTDOWN_GRACE_SECONDS, puts back what did not finish, and exits 0, well
 * before a supervisor would kill it; the next start finishes every run once.
 */
const work = mkdtempSync(join(tmpdir(), "governance-shutdown-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ALERTS = 6;

describe("SIGTERM", () => {
  it("logs the shutdown, cuts off the jobs in hand after the grace period, exits 0, and the next start finishes them", { timeout: 120_000 }, async () => {
    // Every GitHub call takes 1.5 s: runs are in flight, and a job cannot finish in the grace period.
    const standIn = await startGitHubStandIn({ installations: 0, latencyMs: 1_500 });
    try {
      const env = { GOVERNANCE_SHUTDOWN_GRACE_SECONDS: "0.5", LOG_LEVEL: "info" };
      const first = await startApp({ standIn, workDir: work, pacing: false, env });
      const sent = await sendAlerts({ url: first.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations: ids(8101, ALERTS), count: ALERTS, concurrency: ALERTS });
      expect(sent.accepted).toBe(ALERTS);
      // Jobs in hand: their installations' tokens are asked for (the app's own start-up listing does not count).
      const tokenRequests = () => Object.entries(standIn.stats.byRoute as Record<string, number>).filter(([route]) => route.includes("access_tokens")).reduce((n, [, count]) => n + (count as number), 0);
      expect(await standIn.waitUntil(() => tokenRequests() > 0, { timeoutMs: 20_000 })).toBe(true);
      const exited = new Promise<number | null>((resolve) => first.child.once("exit", (code) => resolve(code)));
      const t0 = Date.now();
      first.child.kill("SIGTERM");
      const code = await exited;
      const took = Date.now() - t0;
      expect(code).toBe(0);
      // 0.5 s of grace, at most 2 s to reach a safe point, and the store closed: not the 30 s of a lease.
      expect(took).toBeLessThan(6_000);
      const log = readFileSync(first.logPath, "utf8");
      expect(log).toContain("shutting down on SIGTERM: no new jobs are claimed; the jobs in hand get 0.5 s to finish (GOVERNANCE_SHUTDOWN_GRACE_SECONDS)");
      expect(log).toMatch(/stopped after 0\.5 s: \d+ job\(s\) cut off at a safe point and put back in the queue/);
      expect(log).toMatch(/"msg":"stopped"/);
      expect(standIn.stats.checkRuns.completed).toBeLessThan(ALERTS);

      const second = await startApp({ standIn, workDir: work, name: "restarted", pacing: false, env });
      try {
        const done = await standIn.waitUntil(() => [...standIn.state.checkRuns.values()].filter((c) => c.status === "completed").length >= ALERTS, { timeoutMs: 90_000 });
        expect(done).toBe(true);
        // Once each: one issue and one completed check run per alert, whatever the stop cut off.
        const checks = [...standIn.state.checkRuns.values()];
        expect(checks).toHaveLength(ALERTS);
        expect(checks.every((c) => c.status === "completed" && c.conclusion === "success")).toBe(true);
        expect([...standIn.state.issues.values()].flat()).toHaveLength(ALERTS);
      } finally {
        await second.stop();
      }
    } finally {
      await standIn.close();
    }
  });
});
