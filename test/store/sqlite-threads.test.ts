import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { afterAll, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { ROOT } from "../helpers/fixtures.js";

// Stores in one thread take turns; threads claim truly in parallel, each on its own
// connection, which is what several processes on one SQLite file do. The SECURITY.md suite
// runs it bigger: STORE_CLAIM_STRESS=16x10000.
const [THREADS, JOBS] = (process.env.STORE_CLAIM_STRESS ?? "4x2000").split("x").map(Number) as [number, number];
const dir = mkdtempSync(join(tmpdir(), "governance-threads-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Reply = { ready?: true; claimed?: string[]; error?: string };

it(`${THREADS} threads × ${JOBS} jobs on one SQLite file: every job claimed exactly once`, async () => {
  const file = join(dir, "claims.sqlite");
  const store = await openSqliteStore(file);
  const now = new Date("2030-01-01T00:00:00.000Z");
  for (let n = 0; n < JOBS; n++) await store.enqueue({ type: "t", payload: { n }, runAt: now });

  const storeModule = pathToFileURL(join(ROOT, "dist/store/sqlite-store.js")).href;
  const workers = Array.from({ length: THREADS }, (_, i) => new Worker(new URL("./claim-worker.mjs", import.meta.url), { workerData: { file, storeModule, now: now.toISOString(), workerId: `t${i}` } }));
  const reply = (w: Worker) =>
    new Promise<Reply>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
  try {
    // Start them together, once every connection is open, so their claims overlap.
    await Promise.all(workers.map(reply));
    const done = workers.map(reply);
    for (const w of workers) w.postMessage("go");
    const results = await Promise.all(done);

    expect(results.map((r) => r.error).filter(Boolean)).toEqual([]);
    const claimed = results.flatMap((r) => r.claimed ?? []);
    expect(claimed).toHaveLength(JOBS);
    expect(new Set(claimed).size).toBe(JOBS);
    expect(await store.claimJob("check", now, 60_000)).toBeUndefined();
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await store.close();
  }
}, 20_000 + THREADS * JOBS);
