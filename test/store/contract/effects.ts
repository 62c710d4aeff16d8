import { describe, expect, it } from "vitest";
import { at, makeRun, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";

/** claimEffect / completeEffect: a side effect's key is claimed by exactly one caller. */
export function effectContract(h: ContractHarness): void {
  describe("effects", () => {
    it("the first claim wins and records when", async () => {
      const store = await h.fresh();
      expect(await store.claimEffect("run-1:open:1", "createIssue", T0)).toEqual({
        record: { key: "run-1:open:1", kind: "createIssue", status: "claimed", claimedAt: T0.toISOString() },
        claimed: true,
      });
    });

    it("a later claim gets the record already there, unchanged", async () => {
      const store = await h.fresh();
      const first = await store.claimEffect("k", "createIssue", T0);
      const second = await store.claimEffect("k", "notify", at(60_000));
      expect(second).toEqual({ record: first.record, claimed: false });
    });

    it("completeEffect marks it done with its result, which later claims see", async () => {
      const store = await h.fresh();
      await store.claimEffect("k", "createIssue", T0);
      await store.completeEffect("k", { number: 12, url: "https://github.com/acme/api/issues/12" });
      expect(await store.claimEffect("k", "createIssue", at(1))).toEqual({
        record: { key: "k", kind: "createIssue", status: "done", claimedAt: T0.toISOString(), result: { number: 12, url: "https://github.com/acme/api/issues/12" } },
        claimed: false,
      });
    });

    it("completing a key never claimed rejects", async () => {
      const store = await h.fresh();
      await expect(store.completeEffect("never", {})).rejects.toThrow(/never claimed/);
    });

    it("commitRun records its effects done, claimed before or not, in the same transaction; a conflicting commit records none", async () => {
      const store = await h.fresh();
      const run = makeRun();
      await store.createRun(run);
      await store.claimEffect("claimed", "createIssue", T0);
      const effects = [
        { key: "claimed", kind: "createIssue", result: { number: 3 } },
        { key: "unclaimed", kind: "notify", result: { channel: "#ops" } },
      ];
      expect(await store.commitRun({ ...run, version: 1 }, { effects })).toEqual({ committed: true, version: 2 });
      expect((await store.claimEffect("claimed", "createIssue", at(1))).record).toEqual({ key: "claimed", kind: "createIssue", status: "done", claimedAt: T0.toISOString(), result: { number: 3 } });
      expect((await store.claimEffect("unclaimed", "notify", at(1))).record).toMatchObject({ status: "done", kind: "notify", result: { channel: "#ops" } });
      // Over a stale version: nothing is written, effects included.
      expect((await store.commitRun({ ...run, version: 1 }, { effects: [{ key: "late", kind: "notify", result: {} }] })).committed).toBe(false);
      expect(await store.claimEffect("late", "notify", at(2))).toMatchObject({ claimed: true, record: { status: "claimed" } });
    });

    it("recordEffects records effects done in one go, over a claim or on their own", async () => {
      const store = await h.fresh();
      await store.claimEffect("a", "comment", T0);
      await store.recordEffects([
        { key: "a", kind: "comment", result: { id: 1 } },
        { key: "b", kind: "notify", result: { channel: "#ops", failed: true } },
      ], at(5));
      expect((await store.claimEffect("a", "comment", at(6))).record).toMatchObject({ status: "done", claimedAt: T0.toISOString(), result: { id: 1 } });
      expect((await store.claimEffect("b", "notify", at(6))).record).toMatchObject({ status: "done", claimedAt: at(5).toISOString(), result: { channel: "#ops", failed: true } });
      await store.recordEffects([], at(7));
    });

    it("20 concurrent claims of one key: exactly one wins", async () => {
      const store = await h.fresh();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claimEffect("race", "notify", at(i))));
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.record.claimedAt)).size).toBe(1);
    });

    // Needs one database opened twice: registered only for backends that have that.
    if (h.shared) it("concurrent claims across several stores on one database: exactly one wins", async () => {
      const db = await h.shared!();
      const stores = [await db.open(), await db.open(), await db.open()];
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3]!.claimEffect("race", "notify", at(i))));
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
    });
  });
}
