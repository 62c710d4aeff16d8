// Store contract: presence — workers' heartbeats, their leaving, and how many beat since a time, shared by every store over one database.
import { expect, it } from "vitest";
import type { ContractHarness } from "../store-contract.js";

export function presenceContract(harness: ContractHarness): void {
  it("counts the workers that beat since a time; one that left or fell silent does not count", async () => {
    const store = await harness.fresh();
    const t = new Date("2026-12-04T20:00:00.000Z");
    const at = (s: number) => new Date(t.getTime() + s * 1000);
    expect(await store.liveWorkers(at(-60))).toBe(0);
    await store.beat("host/1/a", at(0));
    await store.beat("host/2/b", at(0));
    await store.beat("host/1/a", at(10));
    expect(await store.liveWorkers(at(-1))).toBe(2);
    expect(await store.liveWorkers(at(5))).toBe(1);
    await store.leave("host/1/a");
    expect(await store.liveWorkers(at(-1))).toBe(1);
    await store.leave("host/9/never-beat");
    // A worker silent for a day is forgotten by the next heartbeat of another.
    await store.beat("host/3/c", at(2 * 86_400));
    expect(await store.liveWorkers(at(-1))).toBe(1);
  });

  // Only where stores can share a database (a file, a server): :memory: has none to share.
  const shared = harness.shared;
  if (!shared) return;
  it("sees the heartbeats of another store over the same database (another process)", async () => {
    const db = await shared();
    const [one, two] = [await db.open(), await db.open()];
    const now = new Date();
    await one.beat("host/1/a", now);
    await two.beat("host/2/b", now);
    expect(await one.liveWorkers(new Date(now.getTime() - 1000))).toBe(2);
  });
}
