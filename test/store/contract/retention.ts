// Retention and health through the Store port: each prune removes exactly what it should and nothing else, in bounded batches, idempotently.
import { describe, expect, it } from "vitest";
import type { Store } from "../../../src/domain/ports.js";
import { isPrunedPayload, PRUNED_PAYLOAD } from "../../../src/domain/retention-port.js";
import type { Run } from "../../../src/domain/run.js";
import { at, makeDelivery, makeRun, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";
import { takeAll } from "./helpers.js";

const DAY = 86_400_000;
const LEASE = 60_000;

/** A run that finished at `finishedAt`, with `lines` log lines. */
function finishedRun(finishedAt: Date, overrides: Partial<Run> = {}, lines = 3): Run {
  return makeRun({
    status: "succeeded",
    finishedAt: finishedAt.toISOString(),
    currentStepId: undefined,
    log: Array.from({ length: lines }, (_, i) => ({ ts: T0.toISOString(), level: "info" as const, message: `line ${i}` })),
    ...overrides,
  });
}

/** Calls `prune` until it changes fewer rows than `limit`; returns what each call changed. */
async function drain(prune: (limit: number) => Promise<number>, limit: number): Promise<number[]> {
  const calls: number[] = [];
  for (let n = limit; n >= limit && calls.length < 100; ) calls.push((n = await prune(limit)));
  return calls;
}

export function retentionContract(h: ContractHarness): void {
  describe("retention: finished jobs", () => {
    /** The store stamps a job's finish with its own clock: cutoffs an hour either side of the real now. */
    const past = () => new Date(Date.now() - 3_600_000);
    const future = () => new Date(Date.now() + 3_600_000);

    it("deletes done and failed-for-good jobs finished before the cutoff, and no other job", async () => {
      const store = await h.fresh();
      for (const key of ["done", "failed", "retry", "running", "queued"]) await store.enqueue({ type: "t", payload: { key }, key, runAt: T0 });
      await store.enqueue({ type: "t", payload: { key: "later" }, key: "later", runAt: at(365 * DAY) });
      const byKey = new Map<string, string>();
      for (let i = 0; i < 4; i++) {
        const job = (await store.claimJob("w", T0, LEASE))!;
        byKey.set(String(job.payload.key), job.id);
      }
      expect(await store.completeJob(byKey.get("done")!, "w")).toBe(true);
      expect(await store.failJob(byKey.get("failed")!, "w", "given up")).toBe(true);
      expect(await store.failJob(byKey.get("retry")!, "w", "again later", at(DAY))).toBe(true);

      expect(await store.pruneJobs(past(), 100)).toBe(0);
      expect(await store.pruneJobs(future(), 100)).toBe(2);
      expect(await store.pruneJobs(future(), 100)).toBe(0);
      // A pruned job's key is free again; a kept one's is not.
      expect(await store.enqueue({ type: "t", payload: {}, key: "done" })).toBe(true);
      expect(await store.enqueue({ type: "t", payload: {}, key: "failed" })).toBe(true);
      for (const key of ["retry", "running", "queued", "later"]) expect(await store.enqueue({ type: "t", payload: {}, key })).toBe(false);
      // The running job is still its worker's; the waiting ones are still served.
      expect(await store.completeJob(byKey.get("running")!, "w")).toBe(true);
      expect((await takeAll(store, at(400 * DAY))).map((j) => j.payload.key ?? "new").sort()).toEqual(["later", "new", "new", "queued", "retry"]);
    });

    it("deletes in batches of at most `limit`, and fewer only when none is left", async () => {
      const store = await h.fresh();
      for (let i = 0; i < 5; i++) await store.enqueue({ type: "t", payload: { i }, runAt: T0 });
      await takeAll(store);
      expect(await drain((limit) => store.pruneJobs(future(), limit), 2)).toEqual([2, 2, 1]);
      expect(await store.pruneJobs(future(), 2)).toBe(0);
    });

    it("a delivery whose job was pruned is still recognised when it comes again", async () => {
      const store = await h.fresh();
      expect(await store.acceptDelivery(makeDelivery("d-pruned-job"))).toBe(true);
      await takeAll(store);
      expect(await store.pruneJobs(future(), 100)).toBe(1);
      expect(await store.acceptDelivery(makeDelivery("d-pruned-job"))).toBe(false);
      expect(await takeAll(store)).toEqual([]);
    });
  });

  describe("retention: delivery payloads", () => {
    const cutoff = at(30 * DAY);

    it("replaces the payload of an old delivery whose runs are finished, keeping the row, which still dedupes a redelivery", async () => {
      const store = await h.fresh();
      const delivery = makeDelivery("d-old");
      await store.acceptDelivery(delivery);
      await takeAll(store);
      await store.createRun(finishedRun(at(DAY), { deliveryId: "d-old" }));
      expect(await store.pruneDeliveryPayloads(cutoff, 100)).toBe(1);
      const pruned = await store.getDelivery("d-old");
      expect(pruned).toEqual({ ...delivery, payload: PRUNED_PAYLOAD });
      expect(isPrunedPayload(pruned?.payload)).toBe(true);
      expect(await store.acceptDelivery(makeDelivery("d-old"))).toBe(false);
      expect(await takeAll(store)).toEqual([]);
      expect(await store.pruneDeliveryPayloads(cutoff, 100)).toBe(0);
      expect(await store.getDelivery("d-old")).toEqual({ ...delivery, payload: PRUNED_PAYLOAD });
    });

    it("keeps the payload of a delivery with an unfinished run, a pending or running job, or received after the cutoff", async () => {
      const store = await h.fresh();
      for (const id of ["d-running-run", "d-mixed", "d-no-run", "d-recent"]) await store.acceptDelivery(makeDelivery(id, id === "d-recent" ? { receivedAt: at(31 * DAY).toISOString() } : {}));
      await takeAll(store);
      await store.createRun(makeRun({ deliveryId: "d-running-run", status: "running" }));
      await store.createRun(finishedRun(at(DAY), { deliveryId: "d-mixed" }));
      await store.createRun(makeRun({ deliveryId: "d-mixed", status: "pending" }));
      await store.createRun(finishedRun(at(DAY), { deliveryId: "d-recent" }));
      // One delivery's job is running, another's waits for a retry, a third's was never taken.
      await store.acceptDelivery(makeDelivery("d-running-job"));
      expect((await store.claimJob("w", T0, LEASE))?.payload.deliveryId).toBe("d-running-job");
      await store.acceptDelivery(makeDelivery("d-retry-job"));
      const retry = (await store.claimJob("w", T0, LEASE))!;
      expect(await store.failJob(retry.id, "w", "not now", at(DAY))).toBe(true);
      await store.acceptDelivery(makeDelivery("d-queued-job"));

      expect(await store.pruneDeliveryPayloads(cutoff, 100)).toBe(1);
      expect((await store.getDelivery("d-no-run"))?.payload).toEqual(PRUNED_PAYLOAD);
      for (const id of ["d-running-run", "d-mixed", "d-recent", "d-running-job", "d-retry-job", "d-queued-job"]) {
        expect((await store.getDelivery(id))?.payload, id).toEqual(makeDelivery(id).payload);
      }
    });

    it("prunes in batches of at most `limit`, oldest first", async () => {
      const store = await h.fresh();
      for (let i = 0; i < 5; i++) await store.acceptDelivery(makeDelivery(`d-batch-${i}`, { receivedAt: at(i * 1_000).toISOString() }));
      await takeAll(store);
      expect(await store.pruneDeliveryPayloads(cutoff, 2)).toBe(2);
      expect((await store.getDelivery("d-batch-0"))?.payload).toEqual(PRUNED_PAYLOAD);
      expect((await store.getDelivery("d-batch-1"))?.payload).toEqual(PRUNED_PAYLOAD);
      expect((await store.getDelivery("d-batch-2"))?.payload).toEqual(makeDelivery("x").payload);
      expect(await drain((limit) => store.pruneDeliveryPayloads(cutoff, limit), 2)).toEqual([2, 1]);
      expect(await store.pruneDeliveryPayloads(cutoff, 2)).toBe(0);
    });
  });

  describe("retention: run logs", () => {
    const cutoff = at(90 * DAY);

    it("deletes the log of a run finished before the cutoff and keeps the run and its steps; other runs keep theirs", async () => {
      const store = await h.fresh();
      const old = finishedRun(at(DAY));
      const cancelled = finishedRun(at(2 * DAY), { status: "cancelled" });
      const recent = finishedRun(at(91 * DAY));
      const running = makeRun({ status: "running" });
      for (const run of [old, cancelled, recent, running]) await store.createRun(run);

      expect(await drain((limit) => store.pruneRunLogs(cutoff, limit), 100)).toEqual([8]);
      const { version: _v, ...kept } = (await store.getRun(old.id))!;
      expect(kept).toEqual({ ...old, log: [] });
      expect((await store.getRun(cancelled.id))?.log).toEqual([]);
      expect((await store.getRun(recent.id))?.log).toEqual(recent.log);
      expect((await store.getRun(running.id))?.log).toEqual(running.log);
      expect(await store.pruneRunLogs(cutoff, 100)).toBe(0);
    });

    it("deletes at most `limit` lines a call, a long log over several calls, and fewer only when none is left", async () => {
      const store = await h.fresh();
      const long = finishedRun(at(DAY), {}, 5);
      const short = finishedRun(at(2 * DAY), {}, 1);
      const silent = finishedRun(at(3 * DAY), {}, 0);
      for (const run of [long, short, silent]) await store.createRun(run);
      const calls = await drain((limit) => store.pruneRunLogs(cutoff, limit), 2);
      expect(calls.every((n) => n <= 2)).toBe(true);
      expect(calls[calls.length - 1]).toBeLessThan(2);
      for (const run of [long, short, silent]) expect((await store.getRun(run.id))?.log).toEqual([]);
      expect(await store.pruneRunLogs(cutoff, 2)).toBe(0);
    });

    it("a pruned run still commits: lines appended later are kept", async () => {
      const store = await h.fresh();
      const run = finishedRun(at(DAY));
      await store.createRun(run);
      await drain((limit) => store.pruneRunLogs(cutoff, limit), 100);
      const line = { ts: at(100 * DAY).toISOString(), level: "info" as const, message: "check run updated" };
      expect((await store.commitRun({ ...run, version: 1 }, { log: [line] })).committed).toBe(true);
      expect((await store.getRun(run.id))?.log).toEqual([line]);
    });
  });

  describe("retention: arguments", () => {
    it("refuses an invalid cutoff or limit", async () => {
      const store = await h.fresh();
      for (const prune of [store.pruneJobs, store.pruneDeliveryPayloads, store.pruneRunLogs].map((f) => f.bind(store))) {
        await expect(prune(new Date(Number.NaN), 10)).rejects.toThrow(RangeError);
        await expect(prune(T0, 0)).rejects.toThrow(RangeError);
        await expect(prune(T0, Number.NaN)).rejects.toThrow(RangeError);
      }
    });
  });

  describe("health", () => {
    it("answers a ping and knows its schema is current; a closed store refuses the ping", async () => {
      const store: Store = await h.fresh();
      await expect(store.ping()).resolves.toBeUndefined();
      expect(await store.migrationsApplied()).toBe(true);
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });
  });
}
