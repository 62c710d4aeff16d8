import { describe, expect, it } from "vitest";
import { makeDelivery, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";
import { takeAll } from "./helpers.js";

/** acceptDelivery / getDelivery: a delivery is recorded once, with its job, however often it arrives. */
export function deliveryContract(h: ContractHarness): void {
  describe("deliveries", () => {
    it("records a delivery and reads it back unchanged", async () => {
      const store = await h.fresh();
      const delivery = makeDelivery("d-1");
      expect(await store.acceptDelivery(delivery)).toBe(true);
      expect(await store.getDelivery("d-1")).toEqual(delivery);
    });

    it("reads back a delivery without an action or payload", async () => {
      const store = await h.fresh();
      const delivery = makeDelivery("d-bare", { action: undefined, payload: null, triggers: [] });
      delete delivery.action;
      await store.acceptDelivery(delivery);
      const stored = await store.getDelivery("d-bare");
      expect(stored).toEqual(delivery);
      expect(stored).not.toHaveProperty("action");
    });

    it("returns undefined for an unknown delivery", async () => {
      const store = await h.fresh();
      expect(await store.getDelivery("nope")).toBeUndefined();
    });

    it("enqueues one `delivery` job, due when the delivery was received", async () => {
      const store = await h.fresh();
      await store.acceptDelivery(makeDelivery("d-2"));
      expect(await store.claimJob("w", new Date(T0.getTime() - 1), 60_000)).toBeUndefined();
      const job = await store.claimJob("w", T0, 60_000);
      expect(job).toMatchObject({ type: "delivery", payload: { deliveryId: "d-2" }, attempts: 1, runAt: T0.toISOString() });
      expect(await store.claimJob("w2", T0, 60_000)).toBeUndefined();
    });

    it("keys the job `delivery:<id>`, so nothing else can enqueue it twice", async () => {
      const store = await h.fresh();
      await store.acceptDelivery(makeDelivery("d-3"));
      expect(await store.enqueue({ type: "delivery", payload: { deliveryId: "d-3" }, key: "delivery:d-3" })).toBe(false);
    });

    it("a replay returns false and changes nothing", async () => {
      const store = await h.fresh();
      const original = makeDelivery("d-4");
      await store.acceptDelivery(original);
      const replay = makeDelivery("d-4", { event: "issues", payload: { changed: true }, receivedAt: new Date(T0.getTime() + 5_000).toISOString() });
      expect(await store.acceptDelivery(replay)).toBe(false);
      expect(await store.getDelivery("d-4")).toEqual(original);
      expect(await takeAll(store)).toHaveLength(1);
    });

    it("50 concurrent replays of one delivery: exactly one true, exactly one job", async () => {
      const store = await h.fresh();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.acceptDelivery(makeDelivery("d-storm"))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const jobs = await takeAll(store);
      expect(jobs.map((j) => j.payload)).toEqual([{ deliveryId: "d-storm" }]);
    });

    // Needs one database opened twice: registered only for backends that have that.
    if (h.shared) it("50 concurrent replays across several stores on one database: exactly one true, one job", async () => {
      const db = await h.shared!();
      const stores = [await db.open(), await db.open(), await db.open()];
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.acceptDelivery(makeDelivery("d-multi"))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await takeAll(stores[0]!)).toHaveLength(1);
    });
  });
}
