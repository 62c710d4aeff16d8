import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// The benchmark's stand-in for GitHub and its process helpers: the real app and real worker processes.
import { ids, startApp, startWorker } from "../../bench/lib/common.mjs";
import { WEBHOOK_SECRET } from "../../bench/lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../../bench/lib/webhooks.mjs";
import { startGitHubStandIn } from "../../bench/standin/github.mjs";
import { expectEachAlertHandledOnce } from "../helpers/exactly-once.js";

/**
 * Web and worker roles apart: a web-only app (GOVERNANCE_ENGINE=off) records the deliveries,
 * two `governance worker` processes on the same database execute them, and one is killed -9
 * mid-flight. Every run finishes exactly once: one issue and one completed check run per alert,
 * duplicates (redeliveries) included.
 */
const work = mkdtempSync(join(tmpdir(), "governance-workers-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ALERTS = 60;

/** The pids of the processes whose workers hold running jobs now, read from the database as another process would. */
function holders(file: string): number[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT DISTINCT locked_by FROM jobs WHERE status = 'running' AND locked_by IS NOT NULL").all() as Array<{ locked_by: string }>;
    return rows.map((r) => Number(r.locked_by.split("/")[1]));
  } finally {
    db.close();
  }
}

describe("web and worker processes on one database", () => {
  it("executes every run once across workers, one of them killed mid-flight", { timeout: 120_000 }, async () => {
    const standIn = await startGitHubStandIn({ installations: 0, latencyMs: 100 });
    const env = { GOVERNANCE_CONCURRENCY: "8" };
    try {
      const web = await startApp({ standIn, workDir: work, name: "web", pacing: false, env: { GOVERNANCE_ENGINE: "off" } });
      const workers = [await startWorker({ standIn, workDir: work, name: "worker-1", pacing: false, env }), await startWorker({ standIn, workDir: work, name: "worker-2", pacing: false, env })];
      try {
        // Who works: sampled while the runs go on.
        const seen = new Set<number>();
        const sampler = setInterval(() => {
          for (const pid of holders(join(work, "bench.db"))) seen.add(pid);
        }, 20);
        const template = alertTemplate();
        const sent = await sendAlerts({ url: web.webhookUrl, secret: WEBHOOK_SECRET, template, installations: ids(9001, 6), count: ALERTS, concurrency: 8 });
        expect(sent.accepted).toBe(ALERTS);
        // A tenth of them again: GitHub's redeliveries keep their X-GitHub-Delivery id.
        const again = await sendAlerts({ url: web.webhookUrl, secret: WEBHOOK_SECRET, template, installations: ids(9001, 6), count: ALERTS / 10, concurrency: 4 });
        expect(again.accepted).toBe(ALERTS / 10);
        expect(await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= 5, { timeoutMs: 60_000 })).toBe(true);
        expect(standIn.stats.checkRuns.completed).toBeLessThan(ALERTS);
        workers[0]!.child.kill("SIGKILL");
        const done = await standIn.waitUntil(() => [...standIn.state.checkRuns.values()].filter((c) => c.status === "completed").length >= ALERTS, { timeoutMs: 90_000 });
        expect(done).toBe(true);
        clearInterval(sampler);
        expect(workers[1]!.alive()).toBe(true);
        // The web-only process held no job; both workers did.
        expect(seen.has(web.pid!)).toBe(false);
        expect([...seen].sort()).toEqual(workers.map((w) => w.pid!).sort());
      } finally {
        for (const w of workers) await w.stop();
        await web.stop();
      }
      expectEachAlertHandledOnce(standIn, ALERTS);
    } finally {
      await standIn.close();
    }
  });
});
