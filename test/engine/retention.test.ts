// The periodic prune: pruneOnce's periods, batches and cap, and the prune-store job's series (exactly one successor, on every replica).
import { afterEach, describe, expect, it } from "vitest";
import { JOB_PRIORITY, silentLogger, type Clock, type Job, type Logger, type Store } from "../../src/domain/ports.js";
import { PRUNED_PAYLOAD } from "../../src/domain/retention-port.js";
import { DEFAULT_RETENTION, pruneOnce, pruneSlotAfter, RETENTION_JOB_TYPE, retentionJobs, retentionPeriods, scheduleRetention } from "../../src/engine/retention.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { makeDelivery, makeRun } from "../store/fixtures.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = new Date("2030-01-01T00:00:00.000Z");

/** A clock the test moves. */
function movingClock(at = START): Clock & { set(t: Date): void } {
  let now = at;
  return { now: () => now, set: (t) => (now = t) };
}

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
async function storeOn(clock: Clock): Promise<Store> {
  const store = await openSqliteStore(":memory:", { clock });
  opened.push(store);
  return store;
}

/** Claims and completes every job due at `now` (the store's clock stamps their finish). */
async function finishAll(store: Store, now: Date): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let job = await store.claimJob("w", now, 60_000); job; job = await store.claimJob("w", now, 60_000)) {
    jobs.push(job);
    await store.completeJob(job.id, "w");
  }
  return jobs;
}

/** A store whose `method` is replaced; the rest reaches the store itself (its private fields need it as `this`). */
function replacing(store: Store, method: keyof Store, by: (...args: never[]) => unknown): Store {
  return new Proxy(store, {
    get(target, name) {
      if (name === method) return by;
      const value = Reflect.get(target, name) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The prune jobs in the queue, due or not. */
async function pruneJobsQueued(store: Store): Promise<Job[]> {
  const jobs: Job[] = [];
  const far = new Date("2100-01-01T00:00:00.000Z");
  // Each is completed as it is taken: prune jobs share a concurrency key, so a running one would hide the next.
  for (let job = await store.claimJob("peek", far, 60_000); job; job = await store.claimJob("peek", far, 60_000)) {
    jobs.push(job);
    await store.completeJob(job.id, "peek");
  }
  return jobs.filter((j) => j.type === RETENTION_JOB_TYPE);
}

describe("pruneOnce", () => {
  it("prunes each kind after its own period, and keeps what is younger", async () => {
    const clock = movingClock();
    const store = await storeOn(clock);
    await store.acceptDelivery(makeDelivery("d-1", { receivedAt: START.toISOString() }));
    await finishAll(store, START);
    await store.createRun(makeRun({ deliveryId: "d-1", status: "succeeded", finishedAt: START.toISOString(), currentStepId: undefined }));

    clock.set(new Date(START.getTime() + 8 * DAY));
    expect(await pruneOnce(store, clock)).toEqual({ jobs: 1, payloads: 0, logs: 0, complete: true });
    clock.set(new Date(START.getTime() + 31 * DAY));
    expect(await pruneOnce(store, clock)).toEqual({ jobs: 0, payloads: 1, logs: 0, complete: true });
    expect((await store.getDelivery("d-1"))?.payload).toEqual(PRUNED_PAYLOAD);
    clock.set(new Date(START.getTime() + 91 * DAY));
    expect(await pruneOnce(store, clock)).toEqual({ jobs: 0, payloads: 0, logs: 2, complete: true });
    expect(await pruneOnce(store, clock)).toEqual({ jobs: 0, payloads: 0, logs: 0, complete: true });
  });

  it("a period of Infinity keeps that kind for ever", async () => {
    const clock = movingClock();
    const store = await storeOn(clock);
    await store.enqueue({ type: "t", payload: {} });
    await finishAll(store, START);
    clock.set(new Date(START.getTime() + 10_000 * DAY));
    expect((await pruneOnce(store, clock, { ...DEFAULT_RETENTION, jobsMs: Number.POSITIVE_INFINITY })).jobs).toBe(0);
    expect((await pruneOnce(store, clock)).jobs).toBe(1);
  });

  it("goes batch after batch until one is short, and stops at its cap or when aborted, saying it is not complete", async () => {
    const clock = movingClock();
    const store = await storeOn(clock);
    for (let i = 0; i < 7; i++) await store.enqueue({ type: "t", payload: { i } });
    await finishAll(store, START);
    clock.set(new Date(START.getTime() + 8 * DAY));
    const calls: number[] = [];
    const counting = replacing(store, "pruneJobs", async (cutoff: Date, limit: number) => {
      const n = await store.pruneJobs(cutoff, limit);
      calls.push(n);
      return n;
    });
    expect(await pruneOnce(counting, clock, DEFAULT_RETENTION, 2, { maxBatches: 2 })).toMatchObject({ jobs: 4, complete: false });
    expect(calls).toEqual([2, 2]);
    const aborted = new AbortController();
    aborted.abort();
    expect(await pruneOnce(store, clock, DEFAULT_RETENTION, 2, { signal: aborted.signal })).toEqual({ jobs: 0, payloads: 0, logs: 0, complete: false });
    calls.length = 0;
    expect(await pruneOnce(counting, clock, DEFAULT_RETENTION, 2)).toMatchObject({ jobs: 3, complete: true });
    expect(calls).toEqual([2, 1]);
  });
});

describe("retentionPeriods", () => {
  it("fills in the defaults (7, 30 and 90 days) and refuses a period that is not positive", () => {
    expect(retentionPeriods()).toEqual({ jobsMs: 7 * DAY, payloadsMs: 30 * DAY, logsMs: 90 * DAY });
    expect(retentionPeriods({ logsMs: DAY, jobsMs: undefined })).toEqual({ jobsMs: 7 * DAY, payloadsMs: 30 * DAY, logsMs: DAY });
    for (const bad of [0, -1, Number.NaN]) expect(() => retentionPeriods({ payloadsMs: bad })).toThrow(RangeError);
  });
});

describe("the prune-store job", () => {
  const job = (slot: Date, attempts = 1): Job => ({ id: "j", type: RETENTION_JOB_TYPE, payload: { slot: slot.toISOString() }, attempts, maxAttempts: 5, runAt: slot.toISOString() });

  it("slots are the interval's multiples: the same on every replica", () => {
    expect(pruneSlotAfter(new Date("2030-01-01T10:20:00.000Z")).toISOString()).toBe("2030-01-01T11:00:00.000Z");
    expect(pruneSlotAfter(new Date("2030-01-01T11:00:00.000Z")).toISOString()).toBe("2030-01-01T12:00:00.000Z");
    expect(pruneSlotAfter(new Date("2030-01-01T10:20:00.000Z"), 15 * 60_000).toISOString()).toBe("2030-01-01T10:30:00.000Z");
  });

  it("start-up on several replicas queues one job, keyed by its slot, at maintenance priority", async () => {
    const clock = movingClock(new Date("2030-01-01T10:20:00.000Z"));
    const store = await storeOn(clock);
    expect(await Promise.all([scheduleRetention(store, clock), scheduleRetention(store, clock), scheduleRetention(store, clock)])).toEqual([true, false, false]);
    expect(await store.enqueue({ type: RETENTION_JOB_TYPE, payload: {}, key: "prune:2030-01-01T11:00:00.000Z" })).toBe(false);
    const queued = await pruneJobsQueued(store);
    expect(queued.map((j) => j.payload.slot)).toEqual(["2030-01-01T11:00:00.000Z"]);
    expect(queued[0]!.runAt).toBe("2030-01-01T11:00:00.000Z");
    expect(JOB_PRIORITY.maintenance).toBeGreaterThan(JOB_PRIORITY.engine);
  });

  it("enqueues exactly one successor, for the next slot, however often the job runs", async () => {
    const clock = movingClock(new Date("2030-01-01T11:00:05.000Z"));
    const store = await storeOn(clock);
    const handler = retentionJobs({ store, clock, log: silentLogger })[RETENTION_JOB_TYPE]!;
    const slot = new Date("2030-01-01T11:00:00.000Z");
    await handler(job(slot));
    // A retry, and another replica's start-up, in the same hour.
    await handler(job(slot, 2));
    await scheduleRetention(store, clock);
    expect((await pruneJobsQueued(store)).map((j) => j.payload.slot)).toEqual(["2030-01-01T12:00:00.000Z"]);
  });

  it("a job run late skips to the next slot after now; one ahead of this replica's clock to the slot after its own", async () => {
    const clock = movingClock(new Date("2030-01-01T15:30:00.000Z"));
    const store = await storeOn(clock);
    const handler = retentionJobs({ store, clock, log: silentLogger, intervalMs: HOUR })[RETENTION_JOB_TYPE]!;
    await handler(job(new Date("2030-01-01T11:00:00.000Z")));
    await handler(job(new Date("2030-01-01T18:00:00.000Z")));
    expect((await pruneJobsQueued(store)).map((j) => j.payload.slot).sort()).toEqual(["2030-01-01T16:00:00.000Z", "2030-01-01T19:00:00.000Z"]);
  });

  it("enqueues its successor before pruning: a prune that fails does not end the series", async () => {
    const clock = movingClock(new Date("2030-01-01T11:00:05.000Z"));
    const store = await storeOn(clock);
    const failing = replacing(store, "pruneJobs", () => Promise.reject(new Error("disk on fire")));
    const handler = retentionJobs({ store: failing, clock, log: silentLogger })[RETENTION_JOB_TYPE]!;
    await expect(handler(job(new Date("2030-01-01T11:00:00.000Z")))).rejects.toThrow("disk on fire");
    expect((await pruneJobsQueued(store)).map((j) => j.payload.slot)).toEqual(["2030-01-01T12:00:00.000Z"]);
  });

  it("prunes with the configured periods and logs what it pruned", async () => {
    const clock = movingClock();
    const store = await storeOn(clock);
    await store.enqueue({ type: "t", payload: {} });
    await finishAll(store, START);
    clock.set(new Date(START.getTime() + 2 * DAY));
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const log: Logger = { ...silentLogger, info: (obj, msg) => lines.push({ obj, msg }) };
    await retentionJobs({ store, clock, log, periods: { jobsMs: DAY } })[RETENTION_JOB_TYPE]!(job(clock.now()));
    expect(lines).toEqual([{ obj: expect.objectContaining({ jobs: 1, payloads: 0, logs: 0, complete: true }), msg: "store pruned" }]);
  });

  it("refuses an interval under a second", async () => {
    const clock = movingClock();
    const store = await storeOn(clock);
    expect(() => retentionJobs({ store, clock, log: silentLogger, intervalMs: 10 })).toThrow(RangeError);
  });
});
