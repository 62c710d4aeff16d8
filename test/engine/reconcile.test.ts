/**
 * One reconcile pass (engine/reconcile.ts) over a fake AppHooks: which failed webhook deliveries
 * it redelivers, how far it walks, its bounds and pacing, and its figures.
 */
import { describe, expect, it } from "vitest";
import { RedeliveryRefused, type AppHooks, type HookDelivery, type HookDeliveryPage } from "../../src/domain/app-hooks.js";
import type { Delivery } from "../../src/domain/events.js";
import { silentLogger } from "../../src/domain/ports.js";
import { reconcileDeliveries, type ReconcileDeps, type ReconcileFigures } from "../../src/engine/reconcile.js";

const NOW = new Date("2025-03-01T12:00:00.000Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

let nextId = 1000;
/** An attempt: failed (502) a minute ago unless told. */
function row(guid: string, over: Partial<HookDelivery> = {}): HookDelivery {
  return { id: nextId++, guid, deliveredAt: minutesAgo(1), redelivery: false, statusCode: 502, status: "Invalid HTTP Response: 502", event: "pull_request", action: "opened", installationId: 42, ...over };
}

/**
 * A fake of GitHub's listing, newest first, in pages of `perPage` (cursor: the index of the
 * page's first row); redeliveries are recorded and, when `listRedeliveries`, listed as new rows.
 */
class FakeHooks implements AppHooks {
  rows: HookDelivery[];
  readonly redelivered: number[] = [];
  readonly cursors: (string | undefined)[] = [];
  failListing?: (cursor: string | undefined) => Error | undefined;
  failRedelivery?: (id: number) => Error | undefined;
  constructor(
    rows: HookDelivery[],
    private readonly options: { listRedeliveries?: boolean; now?: () => Date } = {},
  ) {
    this.rows = [...rows];
  }
  async listDeliveries({ cursor, perPage }: { cursor?: string; perPage: number }): Promise<HookDeliveryPage> {
    this.cursors.push(cursor);
    const error = this.failListing?.(cursor);
    if (error) throw error;
    const start = cursor ? Number(cursor) : 0;
    const deliveries = this.rows.slice(start, start + perPage);
    return start + perPage < this.rows.length ? { deliveries, next: String(start + perPage) } : { deliveries };
  }
  async redeliver(id: number): Promise<void> {
    const error = this.failRedelivery?.(id);
    if (error) throw error;
    this.redelivered.push(id);
    const original = this.rows.find((r) => r.id === id)!;
    if (this.options.listRedeliveries) this.rows.unshift({ ...original, id: nextId++, redelivery: true, deliveredAt: (this.options.now?.() ?? NOW).toISOString() });
  }
}

function deps(hooks: AppHooks, over: Partial<ReconcileDeps> & { stored?: string[] } = {}): ReconcileDeps & { sleeps: number[]; passes: ReconcileFigures[] } {
  const stored = new Set(over.stored ?? []);
  const sleeps: number[] = [];
  const passes: ReconcileFigures[] = [];
  return {
    hooks,
    store: { getDelivery: async (id: string) => (stored.has(id) ? ({ id } as Delivery) : undefined) },
    clock: { now: () => NOW },
    log: silentLogger,
    handled: (event) => ["pull_request", "issues", "push"].includes(event),
    sleep: async (ms) => void sleeps.push(ms),
    onPass: (f) => void passes.push(f),
    ...over,
    sleeps,
    passes,
  };
}

describe("which deliveries a pass redelivers", () => {
  it("redelivers a failed event, skips succeeded ones and those the store holds, and says so in its figures", async () => {
    const failed = row("g-failed");
    const timedOut = row("g-timeout", { statusCode: 0, status: "timed out" });
    const ok = row("g-ok", { statusCode: 200, status: "OK" });
    const accepted = row("g-accepted", { statusCode: 202, status: "Accepted" });
    const processed = row("g-processed", { statusCode: 500 });
    const hooks = new FakeHooks([failed, timedOut, ok, accepted, processed]);
    const d = deps(hooks, { stored: ["g-processed"] });
    const figures = await reconcileDeliveries(d);
    expect(hooks.redelivered.sort()).toEqual([failed.id, timedOut.id].sort());
    expect(figures).toEqual({ pages: 1, listed: 5, ignored: 0, failed: 3, alreadyProcessed: 1, cooling: 0, exhausted: 0, redelivered: 2, refused: 0, errors: 0, deferred: 0 });
    expect(d.passes).toEqual([figures]);
  });

  it("counts a 3xx as a failure: GitHub follows no redirect", async () => {
    const moved = row("g-moved", { statusCode: 301, status: "Moved Permanently" });
    const hooks = new FakeHooks([moved]);
    await reconcileDeliveries(deps(hooks));
    expect(hooks.redelivered).toEqual([moved.id]);
  });

  it("takes the rows of one guid together: one success among failures means done; several failures make one redelivery of the newest", async () => {
    const rows = [
      row("g-fixed", { statusCode: 200, redelivery: true, deliveredAt: minutesAgo(40) }),
      row("g-fixed", { statusCode: 503, deliveredAt: minutesAgo(90) }),
      row("g-again", { statusCode: 500, redelivery: true, deliveredAt: minutesAgo(45) }),
      row("g-again", { statusCode: 500, deliveredAt: minutesAgo(100) }),
    ];
    const hooks = new FakeHooks(rows);
    const figures = await reconcileDeliveries(deps(hooks));
    expect(hooks.redelivered).toEqual([rows[2]!.id]);
    expect(figures).toMatchObject({ listed: 4, failed: 1, redelivered: 1 });
  });

  it("ignores events the app does not handle, and pings", async () => {
    const hooks = new FakeHooks([row("g-star", { event: "star" }), row("g-ping", { event: "ping" }), row("g-issue", { event: "issues" })]);
    const figures = await reconcileDeliveries(deps(hooks));
    expect(hooks.redelivered).toEqual([hooks.rows[2]!.id]);
    expect(figures).toMatchObject({ ignored: 2, failed: 1, redelivered: 1 });
  });

  it("leaves an event whose newest attempt is a redelivery younger than the cooldown, and gives up after the redeliveries allowed", async () => {
    const rows = [
      row("g-fresh", { redelivery: true, deliveredAt: minutesAgo(5) }),
      row("g-fresh", { deliveredAt: minutesAgo(20) }),
      row("g-worn", { redelivery: true, deliveredAt: minutesAgo(31) }),
      row("g-worn", { redelivery: true, deliveredAt: minutesAgo(70) }),
      row("g-worn", { redelivery: true, deliveredAt: minutesAgo(110) }),
      row("g-worn", { deliveredAt: minutesAgo(150) }),
      row("g-stale", { redelivery: true, deliveredAt: minutesAgo(31) }),
      row("g-stale", { deliveredAt: minutesAgo(60) }),
    ];
    const hooks = new FakeHooks(rows);
    const figures = await reconcileDeliveries(deps(hooks));
    expect(hooks.redelivered).toEqual([rows[6]!.id]);
    expect(figures).toMatchObject({ failed: 3, cooling: 1, exhausted: 1, redelivered: 1 });
  });

  it("redelivers the oldest events first: they reach the engine in the order they happened", async () => {
    const rows = [row("g-new", { deliveredAt: minutesAgo(1) }), row("g-mid", { deliveredAt: minutesAgo(5) }), row("g-old", { deliveredAt: minutesAgo(9) })];
    const hooks = new FakeHooks(rows);
    await reconcileDeliveries(deps(hooks));
    expect(hooks.redelivered).toEqual([rows[2]!.id, rows[1]!.id, rows[0]!.id]);
  });
});

describe("how far a pass walks", () => {
  it("follows the cursor page after page to the last one", async () => {
    const rows = Array.from({ length: 7 }, (_, i) => row(`g-${i}`, { statusCode: 200, deliveredAt: minutesAgo(i) }));
    const hooks = new FakeHooks(rows);
    const figures = await reconcileDeliveries(deps(hooks), { perPage: 3 });
    expect(hooks.cursors).toEqual([undefined, "3", "6"]);
    expect(figures).toMatchObject({ pages: 3, listed: 7, failed: 0 });
  });

  it("stops at the first attempt older than the lookback, which it leaves alone", async () => {
    const rows = [row("g-a", { deliveredAt: minutesAgo(10) }), row("g-b", { deliveredAt: minutesAgo(50) }), row("g-old", { deliveredAt: minutesAgo(70) }), row("g-older", { deliveredAt: minutesAgo(80) })];
    const hooks = new FakeHooks(rows);
    const figures = await reconcileDeliveries(deps(hooks), { lookbackMs: 60 * 60_000, perPage: 2 });
    expect(hooks.cursors).toEqual([undefined, "2"]);
    expect(hooks.redelivered).toEqual([rows[1]!.id, rows[0]!.id]);
    expect(figures).toMatchObject({ pages: 2, listed: 2, failed: 2 });

    const again = new FakeHooks(rows);
    await reconcileDeliveries(deps(again), { lookbackMs: 60 * 60_000, perPage: 3 });
    expect(again.cursors).toEqual([undefined]);
  });

  it("reads no more than maxPages", async () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(`g-${i}`, { deliveredAt: minutesAgo(i) }));
    const hooks = new FakeHooks(rows);
    const figures = await reconcileDeliveries(deps(hooks), { perPage: 2, maxPages: 2 });
    expect(hooks.cursors).toEqual([undefined, "2"]);
    expect(figures).toMatchObject({ pages: 2, listed: 4, redelivered: 4 });
  });

  it("a listing that fails ends the walk, counted; what earlier pages showed is still redelivered", async () => {
    const rows = [row("g-a"), row("g-b"), row("g-c")];
    const hooks = new FakeHooks(rows);
    hooks.failListing = (cursor) => (cursor === "2" ? Object.assign(new Error("boom"), { status: 500 }) : undefined);
    const figures = await reconcileDeliveries(deps(hooks), { perPage: 2 });
    expect(hooks.redelivered.sort()).toEqual([rows[0]!.id, rows[1]!.id].sort());
    expect(figures).toMatchObject({ pages: 1, listed: 2, errors: 1, redelivered: 2 });
  });

  it("a first page that fails ends the pass with nothing done, and never throws", async () => {
    const hooks = new FakeHooks([row("g-a")]);
    hooks.failListing = () => Object.assign(new Error("Bad credentials"), { status: 401 });
    const d = deps(hooks);
    const figures = await reconcileDeliveries(d);
    expect(hooks.redelivered).toEqual([]);
    expect(figures).toMatchObject({ pages: 0, listed: 0, errors: 1, redelivered: 0 });
    expect(d.passes).toHaveLength(1);
  });
});

describe("bounds, pacing and failures of redeliveries", () => {
  it("redelivers at most maxRedeliveries per pass, pausing paceMs between two, and defers the rest", async () => {
    const rows = Array.from({ length: 5 }, (_, i) => row(`g-${i}`, { deliveredAt: minutesAgo(i + 1) }));
    const hooks = new FakeHooks(rows);
    const d = deps(hooks);
    const figures = await reconcileDeliveries(d, { maxRedeliveries: 3, paceMs: 250 });
    expect(hooks.redelivered).toEqual([rows[4]!.id, rows[3]!.id, rows[2]!.id]);
    expect(d.sleeps).toEqual([250, 250]);
    expect(figures).toMatchObject({ failed: 5, redelivered: 3, deferred: 2 });
  });

  it("counts a refused redelivery and goes on; so it does an error", async () => {
    const rows = [row("g-gone", { deliveredAt: minutesAgo(3) }), row("g-err", { deliveredAt: minutesAgo(2) }), row("g-ok", { deliveredAt: minutesAgo(1) })];
    const hooks = new FakeHooks(rows);
    hooks.failRedelivery = (id) => (id === rows[0]!.id ? new RedeliveryRefused(id, 422) : id === rows[1]!.id ? Object.assign(new Error("server"), { status: 502 }) : undefined);
    const d = deps(hooks);
    const figures = await reconcileDeliveries(d);
    expect(hooks.redelivered).toEqual([rows[2]!.id]);
    expect(d.sleeps).toHaveLength(2);
    expect(figures).toMatchObject({ failed: 3, redelivered: 1, refused: 1, errors: 1, deferred: 0 });
  });

  it("starts no redelivery once its signal is aborted", async () => {
    const controller = new AbortController();
    const rows = [row("g-a", { deliveredAt: minutesAgo(2) }), row("g-b", { deliveredAt: minutesAgo(1) })];
    const hooks = new FakeHooks(rows);
    const d = deps(hooks, { signal: controller.signal, sleep: async () => controller.abort() });
    const figures = await reconcileDeliveries(d);
    expect(hooks.redelivered).toEqual([rows[0]!.id]);
    expect(figures).toMatchObject({ redelivered: 1, deferred: 1 });
  });

  it("a store that cannot be read is counted and the event waits for the next pass", async () => {
    const hooks = new FakeHooks([row("g-a")]);
    const figures = await reconcileDeliveries(deps(hooks, { store: { getDelivery: async () => Promise.reject(new Error("locked")) } }));
    expect(hooks.redelivered).toEqual([]);
    expect(figures).toMatchObject({ failed: 1, errors: 1 });
  });
});

describe("idempotence across passes", () => {
  it("a second pass right after the first redelivers nothing: GitHub lists the redelivery as a fresh attempt", async () => {
    const hooks = new FakeHooks([row("g-a"), row("g-b")], { listRedeliveries: true });
    expect((await reconcileDeliveries(deps(hooks))).redelivered).toBe(2);
    const second = await reconcileDeliveries(deps(hooks));
    expect(second).toMatchObject({ listed: 4, failed: 2, cooling: 2, redelivered: 0 });
    expect(hooks.redelivered).toHaveLength(2);
  });

  it("nor does it when GitHub does not list the redelivery yet, within one process (its memory of what it redelivered)", async () => {
    const hooks = new FakeHooks([row("g-a")]);
    const recent = new Map<string, number>();
    await reconcileDeliveries(deps(hooks, { recent }));
    const second = await reconcileDeliveries(deps(hooks, { recent }));
    expect(second).toMatchObject({ cooling: 1, redelivered: 0 });
    expect(hooks.redelivered).toHaveLength(1);
  });

  it("a redelivery that succeeded is recognised by the store before GitHub lists it", async () => {
    const hooks = new FakeHooks([row("g-a")]);
    await reconcileDeliveries(deps(hooks));
    const second = await reconcileDeliveries(deps(hooks, { stored: ["g-a"] }));
    expect(second).toMatchObject({ failed: 1, alreadyProcessed: 1, redelivered: 0 });
  });

  it("redelivers again after the cooldown while the event keeps failing", async () => {
    const rows = [row("g-a", { redelivery: true, deliveredAt: minutesAgo(31), statusCode: 0 }), row("g-a", { deliveredAt: minutesAgo(62) })];
    const hooks = new FakeHooks(rows);
    expect((await reconcileDeliveries(deps(hooks))).redelivered).toBe(1);
    expect(hooks.redelivered).toEqual([rows[0]!.id]);
  });
});
