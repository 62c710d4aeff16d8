import { describe, expect, it } from "vitest";
import { at, makeDelivery, makeRun, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";

const LEASE = 30_000;

/** Closing and opening again: nothing is lost, and a job a dead process held is taken over. */
export function durabilityContract(h: ContractHarness): void {
  describe("durability", () => {
    it("close() can be called twice", async () => {
      const store = await h.fresh();
      await store.close();
      await store.close();
    });

    // Needs one database opened twice: registered only for backends that have that.
    if (h.shared) it("data survives closing and reopening the database", async () => {
      const db = await h.shared!();
      const before = await db.open();
      const delivery = makeDelivery("d-keep");
      const run = makeRun();
      await before.acceptDelivery(delivery);
      await before.createRun(run);
      await before.commitRun({ ...run, version: 1 }, { log: [{ ts: T0.toISOString(), level: "info", message: "kept" }] });
      await before.claimEffect("fx", "createIssue", T0);
      await before.completeEffect("fx", { number: 1 });
      await before.enqueue({ type: "later", payload: { x: 1 }, runAt: at(1_000), key: "later:1" });
      await before.close();

      const after = await db.open();
      expect(await after.getDelivery("d-keep")).toEqual(delivery);
      expect(await after.getRun(run.id)).toEqual({ ...run, version: 2, log: [...run.log, { ts: T0.toISOString(), level: "info", message: "kept" }] });
      expect((await after.claimEffect("fx", "createIssue", at(1))).record).toMatchObject({ status: "done", result: { number: 1 } });
      expect(await after.acceptDelivery(delivery)).toBe(false);
      expect(await after.enqueue({ type: "later", payload: {}, key: "later:1" })).toBe(false);
      expect(await after.claimJob("w", T0, LEASE)).toMatchObject({ type: "delivery" });
      expect(await after.claimJob("w", at(1_000), LEASE)).toMatchObject({ type: "later", payload: { x: 1 } });
    });

    // Needs one database opened twice: registered only for backends that have that.
    if (h.shared) it("a crash (closed while running a job): after reopening, the job is taken over once its lease ends", async () => {
      const db = await h.shared!();
      const crashed = await db.open();
      await crashed.enqueue({ type: "t", payload: { n: 1 }, runAt: T0 });
      const held = await crashed.claimJob("dead-worker", T0, LEASE);
      await crashed.close();

      const restarted = await db.open();
      expect(await restarted.claimJob("w2", at(LEASE - 1), LEASE)).toBeUndefined();
      expect(await restarted.claimJob("w2", at(LEASE + 1), LEASE)).toEqual({ ...held, attempts: 2 });
    });
  });
}
