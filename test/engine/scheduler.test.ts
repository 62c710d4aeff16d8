import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { RepositoryInfo } from "../../src/domain/events.js";
import { silentLogger, type Logger, type ScheduleEntry, type Store } from "../../src/domain/ports.js";
import { Scheduler, scheduleDeliveryId } from "../../src/engine/scheduler.js";
import { openStore } from "../../src/store/open-store.js";
import { nextTickAfter } from "../../src/triggers/cron.js";
import { takeAll } from "../store/contract/helpers.js";

const MINUTE = 60_000;
const T0 = new Date("2030-01-01T00:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
const REPO: RepositoryInfo = { id: 7, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" };
const INSTALLATION = 4_200_000_001;

const dir = mkdtempSync(join(tmpdir(), "governance-scheduler-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function open(url = "sqlite::memory:"): Promise<Store> {
  const store = await openStore(url);
  stores.push(store);
  return store;
}

/** A clock the test moves by hand. */
function fakeClock(start: Date = T0) {
  let current = start;
  return { now: () => current, set: (d: Date) => (current = d) };
}

/** Entries as the schedule index makes them: due at the first tick after `now`. */
function entries(now: Date, ...specs: Array<Partial<ScheduleEntry> & { workflowPath: string }>): ScheduleEntry[] {
  return specs.map((s) => {
    const cron = s.cron ?? "*/5 * * * *";
    const timezone = s.timezone ?? "UTC";
    return { triggerIndex: 0, cron, timezone, nextDueAt: nextTickAfter(cron, timezone, now), ...s };
  });
}

/** The schedule deliveries recorded so far (their jobs, taken), as the ticks they stand for. */
async function firedTicks(store: Store): Promise<string[]> {
  const jobs = await takeAll(store, at(1_000_000));
  const deliveries = await Promise.all(jobs.map((j) => store.getDelivery(String(j.payload.deliveryId))));
  return deliveries.map((d) => {
    const trigger = d!.triggers[0]!;
    return trigger.kind === "schedule" ? `${trigger.workflowPath}@${trigger.scheduledFor}` : "not a schedule";
  });
}

describe("Scheduler.tick", () => {
  it("records one `schedule` delivery per tick, with its job", async () => {
    const store = await open();
    const clock = fakeClock();
    await store.replaceSchedules(REPO, INSTALLATION, entries(T0, { workflowPath: ".governance/sweep.yml", triggerIndex: 1 }), T0);
    const wake = vi.fn();
    const scheduler = new Scheduler({ store, clock, log: silentLogger, wake });

    clock.set(at(4));
    expect(await scheduler.tick()).toBe(0);
    expect(wake).not.toHaveBeenCalled();
    clock.set(at(5.5));
    expect(await scheduler.tick()).toBe(1);
    expect(wake).toHaveBeenCalledTimes(1);

    const id = "schedule:acme/api:.governance/sweep.yml:1:2030-01-01T00:05:00.000Z";
    expect(await store.getDelivery(id)).toEqual({
      id,
      event: "schedule",
      installationId: INSTALLATION,
      repository: REPO,
      triggers: [{ kind: "schedule", workflowPath: ".governance/sweep.yml", triggerIndex: 1, scheduledFor: "2030-01-01T00:05:00.000Z" }],
      payload: { schedule: { cron: "*/5 * * * *", timezone: "UTC", scheduledFor: "2030-01-01T00:05:00.000Z" } },
      receivedAt: at(5.5).toISOString(),
    });
    const [job, ...more] = await takeAll(store, at(5.5));
    expect(more).toEqual([]);
    expect(job).toMatchObject({ type: "delivery", payload: { deliveryId: id } });
    expect((await store.listSchedules())[0]).toMatchObject({ lastTickAt: at(5).toISOString(), nextDueAt: at(10).toISOString() });
  });

  it("fires a batch of due schedules together and wakes the worker once per batch", async () => {
    const store = await open();
    const clock = fakeClock();
    const specs = Array.from({ length: 25 }, (_, i) => ({ workflowPath: `.governance/w${String(i).padStart(2, "0")}.yml` }));
    await store.replaceSchedules(REPO, INSTALLATION, entries(T0, ...specs), T0);
    const wake = vi.fn();
    const scheduler = new Scheduler({ store, clock, log: silentLogger, wake, batchSize: 10 });
    clock.set(at(5.5));
    expect(await scheduler.tick()).toBe(25);
    // Batches of 10, 10 and 5.
    expect(wake).toHaveBeenCalledTimes(3);
    expect((await firedTicks(store)).sort()).toEqual(specs.map((s) => `${s.workflowPath}@2030-01-01T00:05:00.000Z`));
    expect(await scheduler.tick()).toBe(0);
  });

  it("fires each tick once, however often it runs", async () => {
    const store = await open();
    const clock = fakeClock();
    await store.replaceSchedules(REPO, INSTALLATION, entries(T0, { workflowPath: "a" }, { workflowPath: "b", cron: "*/10 * * * *" }), T0);
    const scheduler = new Scheduler({ store, clock, log: silentLogger });
    let fired = 0;
    for (let seconds = 0; seconds <= 20 * 60; seconds += 30) {
      clock.set(new Date(T0.getTime() + seconds * 1_000));
      fired += await scheduler.tick();
      fired += await scheduler.tick();
    }
    expect(await firedTicks(store)).toEqual([
      "a@2030-01-01T00:05:00.000Z",
      "a@2030-01-01T00:10:00.000Z",
      "b@2030-01-01T00:10:00.000Z",
      "a@2030-01-01T00:15:00.000Z",
      "a@2030-01-01T00:20:00.000Z",
      "b@2030-01-01T00:20:00.000Z",
    ]);
    expect(fired).toBe(6);
  });

  it("after a long outage: exactly one catch-up delivery, for the latest missed tick; then on schedule again", async () => {
    const store = await open();
    const clock = fakeClock();
    await store.replaceSchedules(REPO, INSTALLATION, entries(T0, { workflowPath: "every-minute", cron: "* * * * *" }, { workflowPath: "daily", cron: "0 9 * * *", timezone: "Europe/Kyiv" }), T0);
    const scheduler = new Scheduler({ store, clock, log: silentLogger });
    clock.set(at(3 * 24 * 60 + 30.5)); // three days, 30 minutes and a half later
    expect(await scheduler.tick()).toBe(2);
    expect(await scheduler.tick()).toBe(0);
    expect(await firedTicks(store)).toEqual(["every-minute@2030-01-04T00:30:00.000Z", "daily@2030-01-03T07:00:00.000Z"]);
    clock.set(at(3 * 24 * 60 + 31));
    expect(await scheduler.tick()).toBe(1);
    expect(await firedTicks(store)).toEqual(["every-minute@2030-01-04T00:31:00.000Z"]);
  });

  it("a new schedule never fires for ticks before it was known", async () => {
    const store = await open();
    const clock = fakeClock(at(12));
    await store.replaceSchedules(REPO, INSTALLATION, entries(at(12), { workflowPath: "a" }), at(12));
    const scheduler = new Scheduler({ store, clock, log: silentLogger });
    expect(await scheduler.tick()).toBe(0);
    clock.set(at(15));
    expect(await scheduler.tick()).toBe(1);
    expect(await firedTicks(store)).toEqual(["a@2030-01-01T00:15:00.000Z"]);
  });

  it("a refresh keeps the last tick: nothing fires again, nothing is forgotten", async () => {
    const store = await open();
    const clock = fakeClock();
    await store.replaceSchedules(REPO, INSTALLATION, entries(T0, { workflowPath: "a" }), T0);
    const scheduler = new Scheduler({ store, clock, log: silentLogger });
    clock.set(at(5));
    expect(await scheduler.tick()).toBe(1);
    // A push re-indexes the repository at 00:07 and again, while the app is down, at 00:12.
    await store.replaceSchedules(REPO, INSTALLATION, entries(at(7), { workflowPath: "a" }), at(7));
    clock.set(at(7));
    expect(await scheduler.tick()).toBe(0);
    await store.replaceSchedules(REPO, INSTALLATION, entries(at(12), { workflowPath: "a" }), at(12));
    clock.set(at(12));
    // 00:10 was missed before the refresh at 00:12; the refresh did not forget it.
    expect(await scheduler.tick()).toBe(1);
    expect(await firedTicks(store)).toEqual(["a@2030-01-01T00:05:00.000Z", "a@2030-01-01T00:10:00.000Z"]);
  });

  it("two schedulers on one database (two replicas) ticking at once fire each tick once", async () => {
    const url = `sqlite:${join(dir, "replicas.sqlite")}`;
    const [storeA, storeB] = [await open(url), await open(url)];
    const clock = fakeClock();
    const specs = Array.from({ length: 25 }, (_, i) => ({ workflowPath: `.governance/w${i}.yml`, cron: i % 2 ? "* * * * *" : "*/3 * * * *" }));
    await storeA.replaceSchedules(REPO, INSTALLATION, entries(T0, ...specs), T0);
    const a = new Scheduler({ store: storeA, clock, log: silentLogger, batchSize: 7 });
    const b = new Scheduler({ store: storeB, clock, log: silentLogger, batchSize: 7 });
    let fired = 0;
    for (let minute = 1; minute <= 12; minute++) {
      clock.set(at(minute));
      const counts = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      fired += counts[0]! + counts[1]!;
    }
    // 12 ticks for each of the 12 per-minute schedules, 4 for each of the 13 three-minute ones.
    const ticks = await firedTicks(storeA);
    expect(ticks).toHaveLength(12 * 12 + 13 * 4);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(fired).toBe(ticks.length);
  });

  it("a schedule that cannot be computed is logged and parked; the others still fire", async () => {
    const store = await open();
    const clock = fakeClock();
    const bad: ScheduleEntry = { workflowPath: "bad", triggerIndex: 0, cron: "0 9 * * *", timezone: "Mars/Olympus_Mons", nextDueAt: at(1) };
    await store.replaceSchedules(REPO, INSTALLATION, [bad, ...entries(T0, { workflowPath: "good" })], T0);
    const log: Logger = { ...silentLogger, error: vi.fn() };
    const scheduler = new Scheduler({ store, clock, log });
    clock.set(at(5));
    expect(await scheduler.tick()).toBe(1);
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(vi.mocked(log.error).mock.calls[0]![0]).toMatchObject({ workflowPath: "bad", timezone: "Mars/Olympus_Mons" });
    clock.set(at(60));
    await scheduler.tick();
    expect(log.error).toHaveBeenCalledTimes(1);
    expect((await store.listSchedules()).find((s) => s.workflowPath === "bad")).not.toHaveProperty("nextDueAt");
  });

  it("a store failure on one schedule is logged and retried on the next pass", async () => {
    const store = await open();
    const clock = fakeClock();
    await store.replaceSchedules(REPO, INSTALLATION, entries(T0, { workflowPath: "a" }), T0);
    const acceptDelivery = vi.fn<Store["acceptDelivery"]>().mockRejectedValueOnce(new Error("SQLITE_BUSY")).mockImplementation((d) => store.acceptDelivery(d));
    const flaky = new Proxy(store, {
      get: (target, prop) => (prop === "acceptDelivery" ? acceptDelivery : (Reflect.get(target, prop) as (...args: unknown[]) => unknown).bind(target)),
    });
    const log: Logger = { ...silentLogger, error: vi.fn() };
    const scheduler = new Scheduler({ store: flaky, clock, log });
    clock.set(at(5));
    expect(await scheduler.tick()).toBe(0);
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(await scheduler.tick()).toBe(1);
    expect(await firedTicks(store)).toEqual(["a@2030-01-01T00:05:00.000Z"]);
  });

  it("the delivery id names the repository, workflow, trigger and tick", () => {
    expect(scheduleDeliveryId({ repository: REPO, workflowPath: ".governance/x.yml", triggerIndex: 3 }, at(1))).toBe("schedule:acme/api:.governance/x.yml:3:2030-01-01T00:01:00.000Z");
  });
});

describe("Scheduler.start / stop", () => {
  it("ticks at once and then every interval, until stopped", async () => {
    const store = await open();
    const clock = fakeClock();
    await store.replaceSchedules(REPO, INSTALLATION, entries(T0, { workflowPath: "a", cron: "* * * * *" }), T0);
    const wake = vi.fn();
    const scheduler = new Scheduler({ store, clock, log: silentLogger, intervalMs: 5, wake });
    clock.set(at(1));
    scheduler.start();
    scheduler.start();
    await vi.waitFor(() => expect(wake).toHaveBeenCalledTimes(1));
    clock.set(at(2));
    await vi.waitFor(() => expect(wake).toHaveBeenCalledTimes(2));
    await scheduler.stop();
    clock.set(at(3));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(wake).toHaveBeenCalledTimes(2);
    expect(await firedTicks(store)).toEqual(["a@2030-01-01T00:01:00.000Z", "a@2030-01-01T00:02:00.000Z"]);
  });

  it("wakes when the next schedule falls due, not an interval later", async () => {
    const store = await open();
    // A real clock: the schedule is due 100 ms from now, the interval is an hour.
    const due = new Date(Date.now() + 100);
    await store.replaceSchedules(REPO, INSTALLATION, [{ workflowPath: "soon", triggerIndex: 0, cron: "* * * * *", timezone: "UTC", nextDueAt: due }], new Date(Date.now() - 120_000));
    const wake = vi.fn();
    const scheduler = new Scheduler({ store, clock: { now: () => new Date() }, log: silentLogger, intervalMs: 3_600_000, wake });
    scheduler.start();
    // Without the wake-up at the due time, the next look would be an hour away and this would time out.
    await vi.waitFor(() => expect(wake).toHaveBeenCalled(), { timeout: 5_000 });
    await scheduler.stop();
    expect(await store.nextScheduleDue()).toBeDefined();
  });
});
