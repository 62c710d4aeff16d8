import { describe, expect, it } from "vitest";
import type { RepositoryInfo } from "../../../src/domain/events.js";
import type { ScheduleEntry, Store } from "../../../src/domain/ports.js";
import { at, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";

const HOUR = 3_600_000;
const API: RepositoryInfo = { id: 1, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" };
const WEB: RepositoryInfo = { id: 2, owner: "acme", name: "web", fullName: "acme/web", defaultBranch: "trunk", url: "https://github.com/acme/web" };
const INSTALLATION = 4_200_000_001;

function entry(path: string, overrides: Partial<ScheduleEntry> = {}): ScheduleEntry {
  return { workflowPath: path, triggerIndex: 0, cron: "0 * * * *", timezone: "UTC", nextDueAt: at(HOUR), ...overrides };
}

async function only(store: Store, repository: string) {
  const [schedule, ...rest] = await store.listSchedules(repository);
  expect(rest).toEqual([]);
  return schedule!;
}

/** The schedule index: replaceSchedules keeps ticks across refreshes; markScheduleFired only advances. */
export function scheduleContract(h: ContractHarness): void {
  describe("schedules", () => {
    it("replaceSchedules stores the entries; a new entry starts at `now`", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/b.yml", { triggerIndex: 2, timezone: "Europe/Kyiv" }), entry(".governance/a.yml")], T0);
      expect(await store.listSchedules()).toEqual([
        { id: expect.any(String), repository: API, installationId: INSTALLATION, workflowPath: ".governance/a.yml", triggerIndex: 0, cron: "0 * * * *", timezone: "UTC", createdAt: T0.toISOString(), lastTickAt: T0.toISOString(), nextDueAt: at(HOUR).toISOString() },
        { id: expect.any(String), repository: API, installationId: INSTALLATION, workflowPath: ".governance/b.yml", triggerIndex: 2, cron: "0 * * * *", timezone: "Europe/Kyiv", createdAt: T0.toISOString(), lastTickAt: T0.toISOString(), nextDueAt: at(HOUR).toISOString() },
      ]);
    });

    it("a refresh with the same cron and time zone keeps the last tick and due time", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml")], T0);
      const before = await only(store, "acme/api");
      expect(await store.markScheduleFired(before.id, at(HOUR), at(2 * HOUR))).toBe(true);
      const moved = { ...API, defaultBranch: "develop" };
      await store.replaceSchedules(moved, 77, [entry(".governance/a.yml", { nextDueAt: at(9 * HOUR) })], at(90 * 60_000));
      expect(await only(store, "acme/api")).toEqual({ ...before, repository: moved, installationId: 77, lastTickAt: at(HOUR).toISOString(), nextDueAt: at(2 * HOUR).toISOString() });
    });

    it("a changed cron or time zone starts again at `now`", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml"), entry(".governance/b.yml")], T0);
      const [a, b] = await store.listSchedules();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml", { cron: "*/5 * * * *", nextDueAt: at(HOUR + 5 * 60_000) }), entry(".governance/b.yml", { timezone: "Asia/Tokyo", nextDueAt: undefined })], at(HOUR));
      expect(await store.listSchedules()).toEqual([
        { ...a, cron: "*/5 * * * *", lastTickAt: at(HOUR).toISOString(), nextDueAt: at(HOUR + 5 * 60_000).toISOString() },
        (({ nextDueAt: _, ...rest }) => ({ ...rest, timezone: "Asia/Tokyo", lastTickAt: at(HOUR).toISOString() }))(b!),
      ]);
    });

    it("the repository's set becomes exactly the entries; other repositories are left alone", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml"), entry(".governance/a.yml", { triggerIndex: 1 }), entry(".governance/b.yml")], T0);
      await store.replaceSchedules(WEB, INSTALLATION, [entry(".governance/a.yml")], T0);
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml", { triggerIndex: 1 }), entry(".governance/c.yml")], at(1));
      expect((await store.listSchedules()).map((s) => `${s.repository.fullName}:${s.workflowPath}#${s.triggerIndex}`)).toEqual([
        "acme/api:.governance/a.yml#1",
        "acme/api:.governance/c.yml#0",
        "acme/web:.governance/a.yml#0",
      ]);
      await store.replaceSchedules(API, INSTALLATION, [], at(2));
      expect((await store.listSchedules()).map((s) => s.repository.fullName)).toEqual(["acme/web"]);
    });

    it("a renamed repository (same id) leaves no rows under its old name", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml")], T0);
      const renamed = { ...API, name: "backend", fullName: "acme/backend", url: "https://github.com/acme/backend" };
      await store.replaceSchedules(renamed, INSTALLATION, [entry(".governance/a.yml")], at(1));
      expect(await store.listSchedules("acme/api")).toEqual([]);
      expect(await only(store, "acme/backend")).toMatchObject({ repository: renamed, lastTickAt: at(1).toISOString() });
    });

    it("a new repository under a name another one left behind does not inherit its ticks", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml")], T0);
      const old = await only(store, "acme/api");
      await store.markScheduleFired(old.id, at(HOUR), at(2 * HOUR));
      const successor = { ...API, id: 99 };
      await store.replaceSchedules(successor, INSTALLATION, [entry(".governance/a.yml", { nextDueAt: at(5 * HOUR) })], at(4 * HOUR));
      expect(await only(store, "acme/api")).toMatchObject({ repository: successor, lastTickAt: at(4 * HOUR).toISOString(), nextDueAt: at(5 * HOUR).toISOString() });
    });

    it("duplicate entries count once", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry(".governance/a.yml"), entry(".governance/a.yml", { cron: "@daily" })], T0);
      expect(await only(store, "acme/api")).toMatchObject({ cron: "0 * * * *" });
    });

    it("dueSchedules: due at or before now, earliest first, bounded; a schedule without a due time never is", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(
        API,
        INSTALLATION,
        [entry("c", { nextDueAt: at(3) }), entry("a", { nextDueAt: at(1) }), entry("b", { nextDueAt: at(2) }), entry("never", { nextDueAt: undefined }), entry("later", { nextDueAt: at(100) })],
        T0,
      );
      expect((await store.dueSchedules(at(0))).map((s) => s.workflowPath)).toEqual([]);
      expect((await store.dueSchedules(at(2))).map((s) => s.workflowPath)).toEqual(["a", "b"]);
      expect((await store.dueSchedules(at(99))).map((s) => s.workflowPath)).toEqual(["a", "b", "c"]);
      expect((await store.dueSchedules(at(99), 2)).map((s) => s.workflowPath)).toEqual(["a", "b"]);
      expect((await store.dueSchedules(at(100_000))).map((s) => s.workflowPath)).toEqual(["a", "b", "c", "later"]);
    });

    it("markScheduleFired only advances: the same or an older tick changes nothing", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry("a")], T0);
      const { id } = await only(store, "acme/api");
      expect(await store.markScheduleFired(id, at(HOUR), at(2 * HOUR))).toBe(true);
      expect(await store.markScheduleFired(id, at(HOUR), at(7 * HOUR))).toBe(false);
      expect(await store.markScheduleFired(id, at(HOUR - 1), at(7 * HOUR))).toBe(false);
      expect(await only(store, "acme/api")).toMatchObject({ lastTickAt: at(HOUR).toISOString(), nextDueAt: at(2 * HOUR).toISOString() });
      expect(await store.markScheduleFired(id, at(2 * HOUR), undefined)).toBe(true);
      expect(await only(store, "acme/api")).not.toHaveProperty("nextDueAt");
      expect(await store.dueSchedules(at(1_000 * HOUR))).toEqual([]);
      expect(await store.markScheduleFired("no-such-schedule", at(3 * HOUR), undefined)).toBe(false);
    });

    it("20 concurrent firings of one tick: exactly one advances it", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry("a")], T0);
      const { id } = await only(store, "acme/api");
      const results = await Promise.all(Array.from({ length: 20 }, () => store.markScheduleFired(id, at(HOUR), at(2 * HOUR))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    if (h.shared) it("concurrent firings of one tick across several stores on one database: exactly one advances it", async () => {
      const db = await h.shared!();
      const stores = [await db.open(), await db.open(), await db.open()];
      await stores[0]!.replaceSchedules(API, INSTALLATION, [entry("a")], T0);
      const { id } = await only(stores[1]!, "acme/api");
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3]!.markScheduleFired(id, at(HOUR), at(2 * HOUR))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("deferSchedule moves the due time only while the last tick is the one read", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry("a")], T0);
      const read = await only(store, "acme/api");
      expect(await store.deferSchedule(read.id, read.lastTickAt, at(5 * HOUR))).toBe(true);
      expect(await only(store, "acme/api")).toMatchObject({ nextDueAt: at(5 * HOUR).toISOString() });
      await store.markScheduleFired(read.id, at(HOUR), at(2 * HOUR));
      expect(await store.deferSchedule(read.id, read.lastTickAt, undefined)).toBe(false);
      expect(await only(store, "acme/api")).toMatchObject({ nextDueAt: at(2 * HOUR).toISOString() });
      // Parked: never due, until a refresh brings a due time.
      expect(await store.deferSchedule(read.id, at(HOUR).toISOString(), undefined)).toBe(true);
      expect(await store.dueSchedules(at(1_000 * HOUR))).toEqual([]);
      await store.replaceSchedules(API, INSTALLATION, [entry("a", { nextDueAt: at(3 * HOUR) })], at(2 * HOUR));
      expect(await only(store, "acme/api")).toMatchObject({ lastTickAt: at(HOUR).toISOString(), nextDueAt: at(3 * HOUR).toISOString() });
    });

    it("removeSchedules and removeInstallationSchedules drop rows and say how many", async () => {
      const store = await h.fresh();
      await store.replaceSchedules(API, INSTALLATION, [entry("a"), entry("b")], T0);
      await store.replaceSchedules(WEB, INSTALLATION, [entry("a")], T0);
      const other = { ...WEB, id: 3, fullName: "zeta/web", owner: "zeta" };
      await store.replaceSchedules(other, 5, [entry("a")], T0);
      expect(await store.removeSchedules("acme/api")).toBe(2);
      expect(await store.removeSchedules("acme/api")).toBe(0);
      expect(await store.removeInstallationSchedules(INSTALLATION)).toBe(1);
      expect((await store.listSchedules()).map((s) => s.repository.fullName)).toEqual(["zeta/web"]);
    });
  });
}
