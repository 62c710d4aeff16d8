import Database from "better-sqlite3";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// The benchmark's stand-in for GitHub and its process helpers: the real app, as `npm start` runs it.
import { ids, startApp } from "../../bench/lib/common.mjs";
import { WEBHOOK_SECRET } from "../../bench/lib/processes.mjs";
import { alertTemplate, sendAlerts } from "../../bench/lib/webhooks.mjs";
import { startGitHubStandIn } from "../../bench/standin/github.mjs";
import { expectEachAlertHandledOnce } from "../helpers/exactly-once.js";

/**
 * kill -9 of the real process (`node dist/main.js`, engine thread and all) with jobs in flight,
 * then a restart on the same SQLite file: every run finishes exactly once (one issue and one
 * completed check run per alert), and the jobs the dead process held are taken back at once
 * on start, not after their leases run out.
 */
const work = mkdtempSync(join(tmpdir(), "governance-kill-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ALERTS = 40;

/** The running jobs of workers of a process, read from the database as another process would. */
function heldBy(file: string, pid: number): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM jobs WHERE status = 'running' AND locked_by LIKE ?").get(`%/${pid}/%`) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The nice value of each thread of a process, by thread id (Linux). */
function threadNiceness(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // Field 19 of stat, counted after the command name's closing parenthesis (it may hold spaces).
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

describe("kill -9 with runs in flight", () => {
  it("resumes every run once after a restart, and takes the dead process's jobs back at once", { timeout: 120_000 }, async () => {
    // Slow answers keep runs in flight when the process dies.
    const standIn = await startGitHubStandIn({ installations: 0, latencyMs: 150 });
    const dbFile = join(work, "bench.db");
    try {
      const first = await startApp({ standIn, workDir: work, pacing: false, env: { GOVERNANCE_CONCURRENCY: "16" } });
      // The engine thread runs at a lower CPU priority than the server's thread (Linux: per thread).
      // (The thread lowers its own priority as it starts, a moment after the server answers.)
      expect(await standIn.waitUntil(() => [...threadNiceness(first.pid!).values()].includes(10), { timeoutMs: 10_000 })).toBe(true);
      expect(threadNiceness(first.pid!).get(first.pid!)).toBe(0);
      const sent = await sendAlerts({ url: first.webhookUrl, secret: WEBHOOK_SECRET, template: alertTemplate(), installations: ids(7001, 8), count: ALERTS, concurrency: 8 });
      expect(sent.accepted).toBe(ALERTS);
      // Some runs have made their issue, others not yet: kill the process mid-flight.
      expect(await standIn.waitUntil(() => standIn.stats.checkRuns.completed >= 3, { timeoutMs: 60_000 })).toBe(true);
      expect(standIn.stats.checkRuns.completed).toBeLessThan(ALERTS);
      first.child.kill("SIGKILL");
      await new Promise((resolve) => first.child.once("exit", resolve));
      const held = heldBy(dbFile, first.pid!);
      expect(held).toBeGreaterThan(0);

      const second = await startApp({ standIn, workDir: work, name: "restarted", pacing: false, env: { GOVERNANCE_CONCURRENCY: "16" } });
      try {
        // Leases last 30 s; taken back at start, they are free well before that.
        expect(await standIn.waitUntil(() => heldBy(dbFile, first.pid!) === 0, { timeoutMs: 10_000 })).toBe(true);
        const done = await standIn.waitUntil(
          () => [...standIn.state.checkRuns.values()].filter((c) => c.status === "completed").length >= ALERTS,
          { timeoutMs: 90_000 },
        );
        if (!done) {
          const db = new Database(dbFile, { readonly: true });
          console.log(JSON.stringify(db.prepare("SELECT type, status, attempts, last_error, run_at, locked_by FROM jobs WHERE status != 'done'").all(), null, 1).slice(0, 3000));
          console.log(JSON.stringify(db.prepare("SELECT status, count(*) n FROM runs GROUP BY status").all()));
          db.close();
          console.log(JSON.stringify([...standIn.state.checkRuns.values()].filter((c) => c.status !== "completed")));
        }
        expect(done).toBe(true);
      } finally {
        await second.stop();
      }
      // Exactly once, whatever was cut off by the kill.
      expectEachAlertHandledOnce(standIn, ALERTS);
    } finally {
      await standIn.close();
    }
  });
});
