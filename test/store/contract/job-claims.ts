import { describe, expect, it } from "vitest";
import type { Store } from "../../../src/domain/ports.js";
import { at, T0 } from "../fixtures.js";
import type { ContractHarness } from "../store-contract.js";

const JOBS = 2_000;
const CLAIMERS = 4;

/** Many claimers at once: every job is handed to exactly one of them. */
export function jobClaimContract(h: ContractHarness): void {
  describe("job claims under concurrency", () => {
    it(`${CLAIMERS} concurrent claimers × ${JOBS} jobs: every job claimed exactly once`, async () => {
      // Several stores over one database stand for several processes; without a shared
      // database, several claimers share one store.
      let stores: Store[];
      if (h.shared) {
        const db = await h.shared();
        stores = [];
        for (let i = 0; i < CLAIMERS; i++) stores.push(await db.open());
      } else {
        const store = await h.fresh();
        stores = Array.from({ length: CLAIMERS }, () => store);
      }
      await Promise.all(Array.from({ length: JOBS }, (_, n) => stores[0]!.enqueue({ type: "t", payload: { n }, runAt: at(n % 7) })));

      const claims: Array<{ claimer: number; id: string; n: unknown; attempts: number }> = [];
      await Promise.all(
        stores.map(async (store, claimer) => {
          for (;;) {
            const job = await store.claimJob(`w${claimer}`, at(10), 60_000);
            if (!job) return;
            claims.push({ claimer, id: job.id, n: job.payload.n, attempts: job.attempts });
            await store.completeJob(job.id, `w${claimer}`);
          }
        }),
      );

      expect(claims).toHaveLength(JOBS);
      expect(new Set(claims.map((c) => c.id)).size).toBe(JOBS);
      expect(new Set(claims.map((c) => c.n)).size).toBe(JOBS);
      expect(claims.every((c) => c.attempts === 1)).toBe(true);
      // Every claimer took part, so the claims really interleaved.
      expect(new Set(claims.map((c) => c.claimer)).size).toBe(CLAIMERS);
    });

    it("concurrent claimers of one job: exactly one gets it", async () => {
      const store = await h.fresh();
      await store.enqueue({ type: "t", payload: {}, runAt: T0 });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claimJob(`w${i}`, T0, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
