/**
 * The reconcile job (engine/reconcile-jobs.ts) over the SQLite store: one pass per interval
 * slot, its successor enqueued once whoever runs it, and the start-up job made once by all.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppHooks, HookDelivery } from "../../src/domain/app-hooks.js";
import { JOB_PRIORITY, silentLogger, type Job, type Store } from "../../src/domain/ports.js";
import type { ReconcileFigures } from "../../src/engine/reconcile.js";
import { RECONCILE_JOB_TYPE, reconcileJobs, reconcileKey, reconcileSlot, startReconcile } from "../../src/engine/reconcile-jobs.js";
import { openStore } from "../../src/store/open-store.js";

const INTERVAL = 10 * 60_000;
let store: Store;
let now: Date;
const clock = { now: () => now };

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  now = new Date("2025-03-01T12:03:20.000Z");
});
afterEach(() => store.close());

/** Every job in the queue, due or not. */
const queued = () => store.claimJobs("test", new Date("2100-01-01T00:00:00Z"), 60_000, 100);

function failedRow(guid: string): HookDelivery {
  return { id: 7, guid, deliveredAt: new Date(now.getTime() - 60_000).toISOString(), redelivery: false, statusCode: 500, status: "Internal Server Error", event: "issues" };
}

function hooksWith(rows: HookDelivery[]): AppHooks & { redelivered: number[] } {
  const redelivered: number[] = [];
  return { redelivered, listDeliveries: async () => ({ deliveries: rows }), redeliver: async (id) => void redelivered.push(id) };
}

const job = { id: "j1", type: RECONCILE_JOB_TYPE, payload: {}, attempts: 1, maxAttempts: 3, runAt: "2025-03-01T12:03:20.000Z" } satisfies Job;

describe("the reconcile job", () => {
  it("runs a pass, reports its figures, and enqueues its successor at the next slot", async () => {
    const hooks = hooksWith([failedRow("g-1")]);
    const passes: ReconcileFigures[] = [];
    const handlers = reconcileJobs({ hooks, store, clock, log: silentLogger, handled: () => true, onPass: (f) => void passes.push(f) }, { intervalMs: INTERVAL });
    await handlers[RECONCILE_JOB_TYPE]!(job);
    expect(hooks.redelivered).toEqual([7]);
    expect(passes).toHaveLength(1);
    expect(passes[0]).toMatchObject({ failed: 1, redelivered: 1 });
    const jobs = await queued();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ type: RECONCILE_JOB_TYPE, payload: {}, runAt: "2025-03-01T12:10:00.000Z" });
  });

  it("enqueues one successor when two passes run in one slot (a retry, two replicas)", async () => {
    const deps = { hooks: hooksWith([]), store, clock, log: silentLogger, handled: () => true };
    await reconcileJobs(deps, { intervalMs: INTERVAL })[RECONCILE_JOB_TYPE]!(job);
    now = new Date("2025-03-01T12:09:59.000Z");
    await reconcileJobs(deps, { intervalMs: INTERVAL })[RECONCILE_JOB_TYPE]!(job);
    expect(await queued()).toHaveLength(1);
  });

  it("a second pass through the same handlers does not redeliver what the first did, even before GitHub lists it", async () => {
    const hooks = hooksWith([failedRow("g-1")]);
    const handlers = reconcileJobs({ hooks, store, clock, log: silentLogger, handled: () => true }, { intervalMs: INTERVAL });
    await handlers[RECONCILE_JOB_TYPE]!(job);
    now = new Date(now.getTime() + INTERVAL);
    await handlers[RECONCILE_JOB_TYPE]!(job);
    expect(hooks.redelivered).toEqual([7]);
  });

  it("enqueues the successor before the pass: a pass that dies does not end the chain", async () => {
    const order: string[] = [];
    const enqueued: Parameters<Store["enqueue"]>[0][] = [];
    const hooks: AppHooks = {
      listDeliveries: async () => (order.push("list"), { deliveries: [] }),
      redeliver: async () => undefined,
    };
    const recording = { getDelivery: (id: string) => store.getDelivery(id), enqueue: (j: Parameters<Store["enqueue"]>[0]) => (order.push("enqueue"), enqueued.push(j), store.enqueue(j)) };
    await reconcileJobs({ hooks, store: recording, clock, log: silentLogger, handled: () => true }, { intervalMs: INTERVAL })[RECONCILE_JOB_TYPE]!(job);
    expect(order).toEqual(["enqueue", "list"]);
    expect(enqueued).toEqual([{ type: RECONCILE_JOB_TYPE, key: "reconcile:2025-03-01T12:10:00.000Z", runAt: new Date("2025-03-01T12:10:00.000Z"), priority: JOB_PRIORITY.maintenance, payload: {}, maxAttempts: 3 }]);
  });
});

describe("starting the chain", () => {
  it("every replica starting makes one job for the current slot, due now", async () => {
    expect(await startReconcile(store, clock, INTERVAL)).toBe(true);
    expect(await startReconcile(store, clock, INTERVAL)).toBe(false);
    const jobs = await queued();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ type: RECONCILE_JOB_TYPE, runAt: now.toISOString() });
  });

  it("makes none when the chain already has the current slot's job", async () => {
    now = new Date("2025-03-01T12:09:00.000Z");
    const deps = { hooks: hooksWith([]), store, clock, log: silentLogger, handled: () => true };
    await reconcileJobs(deps, { intervalMs: INTERVAL })[RECONCILE_JOB_TYPE]!(job);
    now = new Date("2025-03-01T12:12:00.000Z");
    expect(await startReconcile(store, clock, INTERVAL)).toBe(false);
  });

  it("keys a slot by its start, the same for any time in it", () => {
    expect(reconcileKey(reconcileSlot(new Date("2025-03-01T12:03:20Z"), INTERVAL))).toBe("reconcile:2025-03-01T12:00:00.000Z");
    expect(reconcileKey(reconcileSlot(new Date("2025-03-01T12:09:59.999Z"), INTERVAL))).toBe("reconcile:2025-03-01T12:00:00.000Z");
  });
});
