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
      await store.completeJob(job!.id);
      expect(await store.claimJob("w1", at(10 * LEASE), LEASE)).toBeUndefined();
    });

    it("failJob with retryAt: queued again, due at retryAt and not before", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = await store.claimJob("w1", T0, LEASE);
      await store.failJob(job!.id, "boom", at(5_000));
      expect(await store.claimJob("w1", at(4_999), LEASE)).toBeUndefined();
      expect(await store.claimJob("w2", at(5_000), LEASE)).toMatchObject({ id: job!.id, attempts: 2, runAt: at(5_000).toISOString() });
    });

    it("failJob without retryAt gives the job up for good", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = await store.claimJob("w1", T0, LEASE);
      await store.failJob(job!.id, "x".repeat(100_000));
      expect(await store.claimJob("w1", at(10 * LEASE), LEASE)).toBeUndefined();
    });

    it("an outcome reported after the job finished (a late, duplicate worker) changes nothing", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const job = await store.claimJob("w1", T0, LEASE);
      await store.completeJob(job!.id);
      await store.failJob(job!.id, "late", at(1));
      await store.completeJob(job!.id);
      expect(await store.claimJob("w1", at(10 * LEASE), LEASE)).toBeUndefined();
    });

    it("completing or failing an unknown job is harmless", async () => {
      const store = await h.fresh();
      await store.completeJob("nope");
      await store.failJob("nope", "x", at(1));
      expect(await store.claimJob("w1", at(10), LEASE)).toBeUndefined();
    });
  });
}
