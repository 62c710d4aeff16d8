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

    it("stores the payload's text as received, when the caller has it", async () => {
      const store = await h.fresh();
      const delivery = makeDelivery("d-text", { payload: { b: 1, a: [1, 2] } });
      // Key order and spacing as GitHub sent them; read back, it is the same payload.
      await store.acceptDelivery(delivery, { payloadText: '{ "b": 1,\n  "a": [1, 2] }' });
      expect((await store.getDelivery("d-text"))?.payload).toEqual({ b: 1, a: [1, 2] });
      expect(Object.keys((await store.getDelivery("d-text"))?.payload as object)).toEqual(["b", "a"]);
      // The text is what is stored, not the object serialised again.
      await store.acceptDelivery(makeDelivery("d-text-2", { payload: { a: 1 } }), { payloadText: '{"a":1,"kept":"as sent"}' });
      expect((await store.getDelivery("d-text-2"))?.payload).toEqual({ a: 1, kept: "as sent" });
    });

    it("deliveries accepted together still queue fairly: another installation's first job goes ahead of a backlog", async () => {
      const store = await h.fresh();
      // A backlog of installation 1, then (in the same turn, so in the same group commit) installation 2's first.
      await Promise.all([
        ...[0, 1, 2, 3].map((i) => store.acceptDelivery(makeDelivery(`fair-1-${i}`, { installationId: 1 }))),
        store.acceptDelivery(makeDelivery("fair-2-0", { installationId: 2 })),
        store.acceptDelivery(makeDelivery("fair-1-4", { installationId: 1 })),
      ]);
      const order = (await takeAll(store)).map((job) => job.payload.deliveryId);
      expect(order.slice(0, 2).sort()).toEqual(["fair-1-0", "fair-2-0"]);
      expect(order.filter((id) => String(id).startsWith("fair-1-"))).toEqual(["fair-1-0", "fair-1-1", "fair-1-2", "fair-1-3", "fair-1-4"]);
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
