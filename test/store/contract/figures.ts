// Store contract: the metrics' figures (queueFigures, runCounts) count what the queue and the runs hold.
import { expect, it } from "vitest";
import type { ContractHarness } from "../store-contract.js";

export function figuresContract(harness: ContractHarness): void {
  it("counts due, running and scheduled jobs and the age of the oldest due one, and runs by status", async () => {
    const store = await harness.fresh();
    const now = new Date("2026-12-04T12:00:00.000Z");
    expect(await store.queueFigures(now)).toEqual({ due: 0, running: 0, scheduled: 0, oldestDueAgeSeconds: 0 });
    expect(await store.runCounts()).toEqual({ pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });
    await store.enqueue({ type: "a", payload: {}, runAt: new Date(now.getTime() - 90_000) });
    await store.enqueue({ type: "b", payload: {}, runAt: new Date(now.getTime() - 30_000) });
    await store.enqueue({ type: "c", payload: {}, runAt: new Date(now.getTime() + 60_000) });
    await store.enqueue({ type: "d", payload: {}, runAt: new Date(now.getTime() - 10_000) });
    const claimed = await store.claimJob("w", now, 30_000);
    expect(claimed?.type).toBe("a");
    const figures = await store.queueFigures(now);
    expect(figures).toEqual({ due: 2, running: 1, scheduled: 1, oldestDueAgeSeconds: 30 });
    await store.completeJob(claimed!.id, "w");
    expect((await store.queueFigures(now)).running).toBe(0);
  });
}
