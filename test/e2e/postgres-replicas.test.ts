import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// The benchmark's stand-in for GitHub and its process helpers: real app processes, as `npm start` runs them.
import { startApp } from "../../bench/lib/common.mjs";
import { WEBHOOK_SECRET } from "../../bench/lib/processes.mjs";
import { alertBody, alertTemplate, webhookClient } from "../../bench/lib/webhooks.mjs";
import { startGitHubStandIn } from "../../bench/standin/github.mjs";
import { expectEachAlertHandledOnce } from "../helpers/exactly-once.js";
import { adminQuery, dropSchema, schemaName, schemaUrl } from "../helpers/postgres.js";

/**
 * Many replicas on one PostgreSQL: three app processes (webhooks and engine each) share a
 * database; 1,000 signed deliveries are spread across them, a tenth of them delivered again (the
 * same X-GitHub-Delivery, to another replica), and one replica is killed -9 in the middle.
 * Every run finishes exactly once: one issue and one completed check run per finding.
 */
const work = mkdtempSync(join(tmpdir(), "governance-pg-replicas-"));
const schema = schemaName("replicas");
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await dropSchema(schema);
});

const ALERTS = 1000;
const INSTALLATIONS = [9101, 9102, 9103, 9104, 9105, 9106, 9107, 9108];

describe("replicas on PostgreSQL", () => {
  it("processes every delivery once across replicas, duplicates and a killed replica included", { timeout: 240_000 }, async () => {
    await adminQuery("select 1");
    const standIn = await startGitHubStandIn({ installations: 0, latencyMs: 20 });
    const env = { DATABASE_URL: schemaUrl(schema), GOVERNANCE_CONCURRENCY: "16", GOVERNANCE_RECONCILE_MINUTES: "0" };
    try {
      const replicas = [];
      for (const name of ["replica-1", "replica-2", "replica-3"]) replicas.push(await startApp({ standIn, workDir: join(work, name), name, pacing: false, env }));
      const clients = replicas.map((r) => webhookClient({ url: r.webhookUrl, secret: WEBHOOK_SECRET, concurrency: 8 }));
      const template = alertTemplate();
      const deliveries = Array.from({ length: ALERTS }, (_, i) => ({ id: randomUUID(), body: alertBody(template, INSTALLATIONS[i % INSTALLATIONS.length]!, i + 1) }));
      const statuses: Record<number, number> = {};
      const send = async (client: ReturnType<typeof webhookClient>, d: { id: string; body: string }) => {
        const r = await client.send(d.body, d.id);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      };
      let killed = false;
      try {
        // In rounds of 50: each delivery to the next replica; every tenth again, to another one.
        for (let i = 0; i < ALERTS; i += 50) {
          const round = deliveries.slice(i, i + 50);
          const alive = replicas.map((_, k) => k).filter((k) => !(killed && k === 0));
          await Promise.all(round.map((d, j) => send(clients[alive[(i + j) % alive.length]!]!, d)));
          await Promise.all(round.filter((_, j) => (i + j) % 10 === 0).map((d, j) => send(clients[alive[(i + j + 1) % alive.length]!]!, d)));
          if (i === 500) {
            replicas[0]!.child.kill("SIGKILL");
            killed = true;
          }
        }
        expect(statuses[200]).toBe(ALERTS + ALERTS / 10);
        const done = await standIn.waitUntil(() => [...standIn.state.checkRuns.values()].filter((c) => c.status === "completed").length >= ALERTS, { timeoutMs: 180_000 });
        expect(done).toBe(true);
      } finally {
        for (const c of clients) c.close();
        for (const r of replicas.slice(1)) await r.stop();
      }
      expectEachAlertHandledOnce(standIn, ALERTS);
      const runs = await adminQuery<{ status: string; n: string }>(`select status, count(*)::text as n from "${schema}".runs group by status`);
      expect(runs.rows).toEqual([{ status: "succeeded", n: String(ALERTS) }]);
    } finally {
      await standIn.close();
    }
  });
});
