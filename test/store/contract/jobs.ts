import { describe, expect, it } from "vitest";
import { at, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";
import { takeAll } from "./helpers.js";

const LEASE = 30_000;

/** enqueue / claimJob / completeJob / failJob, one claimer at a time. */
export function jobContract(h: ContractHarness): void {
  describe("jobs", () => {
    it("a claimed job comes with its type, payload, run time and attempt count", async () => {
      const store = await h.fresh();
      expect(await store.enqueue({ type: "run", payload: { runId: "r1", n: [1, { x: null }] }, runAt: T0 })).toBe(true);
      expect(await store.claimJob("w1", T0, LEASE)).toEqual({
        id: expect.any(String),
        type: "run",
        payload: { runId: "r1", n: [1, { x: null }] },
        attempts: 1,
        maxAttempts: 5,
        runAt: T0.toISOString(),
      });
    });

    it("returns undefined when no job is due", async () => {
      const store = await h.fresh();
      expect(await store.claimJob("w1", T0, LEASE)).toBeUndefined();
      await store.enqueue({ type: "later", payload: {}, runAt: at(1_000) });
      expect(await store.claimJob("w1", at(999), LEASE)).toBeUndefined();
      expect(await store.claimJob("w1", at(1_000), LEASE)).toMatchObject({ type: "later" });
    });

    it("a job enqueued without a run time is due now", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "now", payload: {} });
      expect(await store.claimJob("w1", new Date(Date.now() + 1_000), LEASE)).toMatchObject({ type: "now" });
    });

    it("takes the oldest due job first; equal times in the order enqueued", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: { n: "b" }, runAt: at(2) });
      await store.enqueue({ type: "t", payload: { n: "c" }, runAt: at(2) });
      await store.enqueue({ type: "t", payload: { n: "a" }, runAt: at(1) });
      await store.enqueue({ type: "t", payload: { n: "future" }, runAt: at(60_000) });
      expect((await takeAll(store, at(10))).map((j) => j.payload.n)).toEqual(["a", "b", "c"]);
    });

    it("a key is enqueued at most once, ever; jobs without a key never collide", async () => {
      const store = await h.fresh();
      expect(await store.enqueue({ type: "run", payload: {}, key: "run:1", runAt: T0 })).toBe(true);
      expect(await store.enqueue({ type: "run", payload: { again: true }, key: "run:1", runAt: T0 })).toBe(false);
      await takeAll(store, T0);
      expect(await store.enqueue({ type: "run", payload: {}, key: "run:1", runAt: T0 })).toBe(false);
      expect(await store.enqueue({ type: "x", payload: {}, runAt: T0 })).toBe(true);
      expect(await store.enqueue({ type: "x", payload: {}, runAt: T0 })).toBe(true);
      expect(await takeAll(store, T0)).toHaveLength(2);
    });

    it("a claimed job is not handed out again while its lease lasts", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      await store.claimJob("w1", T0, LEASE);
      expect(await store.claimJob("w2", at(LEASE), LEASE)).toBeUndefined();
    });

    it("after the lease runs out (a crashed worker) another worker takes the job, attempt 2", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const first = await store.claimJob("w1", T0, LEASE);
      const second = await store.claimJob("w2", at(LEASE + 1), LEASE);
      expect(second).toMatchObject({ id: first!.id, attempts: 2 });
      expect(await store.claimJob("w3", at(LEASE + 2), LEASE)).toBeUndefined();
    });

    it("a completed job is never handed out again", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = await store.claimJob("w1", T0, LEASE);
      expect(await store.completeJob(job!.id, "w1")).toBe(true);
      expect(await store.claimJob("w1", at(10 * LEASE), LEASE)).toBeUndefined();
    });

    it("failJob with retryAt: queued again, due at retryAt and not before", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = await store.claimJob("w1", T0, LEASE);
      await store.failJob(job!.id, "w1", "boom", at(5_000));
      expect(await store.claimJob("w1", at(4_999), LEASE)).toBeUndefined();
      expect(await store.claimJob("w2", at(5_000), LEASE)).toMatchObject({ id: job!.id, attempts: 2, runAt: at(5_000).toISOString() });
    });

    it("failJob without retryAt gives the job up for good", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = await store.claimJob("w1", T0, LEASE);
      await store.failJob(job!.id, "w1", "x".repeat(100_000));
      expect(await store.claimJob("w1", at(10 * LEASE), LEASE)).toBeUndefined();
    });

    it("an outcome reported after the job finished (a late, duplicate worker) changes nothing", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = await store.claimJob("w1", T0, LEASE);
      expect(await store.completeJob(job!.id, "w1")).toBe(true);
      expect(await store.failJob(job!.id, "w1", "late", at(1))).toBe(false);
      expect(await store.completeJob(job!.id, "w1")).toBe(false);
      expect(await store.claimJob("w1", at(10 * LEASE), LEASE)).toBeUndefined();
    });

    it("completing or failing an unknown job is harmless", async () => {
      const store = await h.fresh();
      expect(await store.completeJob("nope", "w1")).toBe(false);
      expect(await store.failJob("nope", "w1", "x", at(1))).toBe(false);
      expect(await store.claimJob("w1", at(10), LEASE)).toBeUndefined();
    });
  });

  describe("fair, prioritised, exclusive claims and leases that follow the work", () => {
    const order = (jobs: Array<{ payload: Record<string, unknown> }>) => jobs.map((j) => j.payload.n);

    it("one installation's backlog never delays another's first job", async () => {
      const store = await h.fresh();
      for (let n = 0; n < 1_000; n++) await store.enqueue({ type: "run", payload: { n: `a${n}` }, installationId: 1 });
      await store.enqueue({ type: "run", payload: { n: "b0" }, installationId: 2 });
      const taken = order(await takeAll(store, new Date(Date.now() + 60_000)));
      expect(taken.indexOf("b0")).toBeLessThanOrEqual(1);
      // Each installation's own jobs keep their order.
      expect(taken.filter((n) => String(n).startsWith("a"))).toEqual(Array.from({ length: 1_000 }, (_, n) => `a${n}`));
    });

    it("installations with backlogs take turns", async () => {
      const store = await h.fresh();
      for (const inst of [1, 2, 3]) for (let n = 0; n < 4; n++) await store.enqueue({ type: "run", payload: { n: `${inst}.${n}` }, installationId: inst });
      const taken = order(await takeAll(store, new Date(Date.now() + 60_000)));
      expect(taken.slice(0, 3).sort()).toEqual(["1.0", "2.0", "3.0"]);
      expect(taken.slice(3, 6).sort()).toEqual(["1.1", "2.1", "3.1"]);
    });

    it("an installation that joins late is served next, not after everything queued before it", async () => {
      const store = await h.fresh();
      const now = new Date(Date.now() + 60_000);
      for (let n = 0; n < 100; n++) await store.enqueue({ type: "run", payload: { n: `a${n}` }, installationId: 1 });
      for (let n = 0; n < 50; n++) {
        const job = await store.claimJob("w", now, LEASE);
        await store.completeJob(job!.id, "w");
      }
      await store.enqueue({ type: "run", payload: { n: "late" }, installationId: 9 });
      expect(order(await takeAll(store, now)).indexOf("late")).toBeLessThanOrEqual(1);
    });

    it("engine jobs go before maintenance, whatever their age", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "refresh", payload: { n: "m" }, priority: 1, installationId: 1 });
      await store.enqueue({ type: "run", payload: { n: "r" }, installationId: 1 });
      expect(order(await takeAll(store, new Date(Date.now() + 60_000)))).toEqual(["r", "m"]);
    });

    it("two jobs with one concurrency key never run at once", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "run", payload: { n: 1 }, runAt: T0, concurrencyKey: "run-1" });
      await store.enqueue({ type: "run", payload: { n: 2 }, runAt: T0, concurrencyKey: "run-1" });
      await store.enqueue({ type: "run", payload: { n: 3 }, runAt: T0, concurrencyKey: "run-2" });
      const first = await store.claimJob("w1", T0, LEASE);
      const second = await store.claimJob("w2", T0, LEASE);
      expect([first?.payload.n, second?.payload.n]).toEqual([1, 3]);
      expect(await store.claimJob("w3", T0, LEASE)).toBeUndefined();
      await store.completeJob(first!.id, "w1");
      expect((await store.claimJob("w3", T0, LEASE))?.payload.n).toBe(2);
    });

    it("a concurrency key held by a lease that ran out does not block (its worker is gone)", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "run", payload: { n: 1 }, runAt: T0, concurrencyKey: "run-1" });
      await store.enqueue({ type: "run", payload: { n: 2 }, runAt: T0, concurrencyKey: "run-1" });
      await store.claimJob("dead", T0, LEASE);
      // The expired job is taken over first; its sibling still waits for it.
      expect((await store.claimJob("w", at(LEASE + 1), LEASE))?.payload.n).toBe(1);
      expect(await store.claimJob("w2", at(LEASE + 1), LEASE)).toBeUndefined();
    });

    it("a renewed lease keeps the job; only its holder completes or fails it", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = (await store.claimJob("w1", T0, LEASE))!;
      expect(await store.renewLeases("w1", [job.id, "unknown"], at(LEASE * 3))).toEqual([job.id]);
      expect(await store.renewLeases("w2", [job.id], at(LEASE * 9))).toEqual([]);
      // Past the first lease, inside the renewed one: nobody else gets it.
      expect(await store.claimJob("w2", at(LEASE * 2), LEASE)).toBeUndefined();
      expect(await store.completeJob(job.id, "w2")).toBe(false);
      expect(await store.failJob(job.id, "w2", "not mine")).toBe(false);
      expect(await store.completeJob(job.id, "w1")).toBe(true);
    });

    it("a lease that ran out and was taken over is no longer the first worker's to record", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = (await store.claimJob("w1", T0, LEASE))!;
      expect((await store.claimJob("w2", at(LEASE + 1), LEASE))?.id).toBe(job.id);
      expect(await store.renewLeases("w1", [job.id], at(LEASE * 3))).toEqual([]);
      expect(await store.completeJob(job.id, "w1")).toBe(false);
      expect(await store.failJob(job.id, "w2", "boom", at(LEASE * 2))).toBe(true);
      expect(await store.claimJob("w3", at(LEASE * 2), LEASE)).toMatchObject({ id: job.id, attempts: 3 });
    });

    it("the jobs of a worker that is gone come back at once, their attempt counted", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: { n: 1 }, runAt: T0 });
      await store.enqueue({ type: "t", payload: { n: 2 }, runAt: T0 });
      await store.claimJob("gone", T0, LEASE);
      await store.claimJob("alive", T0, LEASE);
      expect((await store.leaseHolders()).sort()).toEqual(["alive", "gone"]);
      expect(await store.releaseLeases(["gone"])).toBe(1);
      expect(await store.leaseHolders()).toEqual(["alive"]);
      expect(await store.claimJob("new", at(1), LEASE)).toMatchObject({ payload: { n: 1 }, attempts: 2 });
    });

    it("claimJobs takes several at once, in claimJob's order, one per concurrency key", async () => {
      const store = await h.fresh();
      for (const inst of [1, 2]) for (let n = 0; n < 3; n++) await store.enqueue({ type: "run", payload: { n: `${inst}.${n}` }, installationId: inst, runAt: T0, concurrencyKey: n === 2 ? "shared" : undefined });
      const jobs = await store.claimJobs("w", T0, LEASE, 10);
      // "1.2" and "2.2" share a key: only one of them is handed out.
      expect(jobs.map((j) => j.payload.n)).toEqual(["1.0", "2.0", "1.1", "2.1", "1.2"]);
      expect(await store.claimJobs("w2", T0, LEASE, 10)).toEqual([]);
      expect(await store.completeJob(jobs[4]!.id, "w")).toBe(true);
      expect((await store.claimJobs("w2", T0, LEASE, 10)).map((j) => j.payload.n)).toEqual(["2.2"]);
    });

    it("a job carries its own attempts and installation", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0, maxAttempts: 2, installationId: 77 });
      expect(await store.claimJob("w", T0, LEASE)).toMatchObject({ maxAttempts: 2, installationId: 77 });
    });

    it("the schedule index remembers which installations it has read", async () => {
      const store = await h.fresh();
      expect(await store.unindexedInstallations([1, 2, 3])).toEqual([1, 2, 3]);
      await store.markInstallationIndexed(2, T0);
      await store.markInstallationIndexed(2, at(5));
      expect(await store.unindexedInstallations([1, 2, 3, 3])).toEqual([1, 3]);
    });
  });
}
