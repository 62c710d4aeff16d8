/**
 * Retention and health on PostgreSQL: the Store methods that PgStore hands on to this class
 * (pruneJobs, pruneDeliveryPayloads, pruneRunLogs, ping, migrationsApplied), ported statement
 * for statement from SqliteRetention. Each prune is one transaction under the store's write
 * lock, bounded by its limit, so it never holds the lock long.
 */
import type { Clock } from "../domain/ports.js";
import type { RetentionStore } from "../domain/retention-port.js";
import type { PgTransactions } from "./pg-exec.js";
import * as rq from "./retention-queries.js";
import { exactlyThisBuildsMigrations, pruneCutoff, pruneLimit } from "./store-rules.js";

export class PgRetention implements RetentionStore {
  readonly #tx: PgTransactions;
  readonly #clock: Clock;

  constructor(tx: PgTransactions, clock: Clock) {
    this.#tx = tx;
    this.#clock = clock;
  }

  async pruneJobs(finishedBefore: Date, limit: number): Promise<number> {
    const before = pruneCutoff("pruneJobs", finishedBefore);
    const n = pruneLimit("pruneJobs", limit);
    const db = this.#tx.db;
    return this.#tx.write((exec) => exec.run(rq.deleteFinishedJobs(db, before, n)));
  }

  async pruneDeliveryPayloads(receivedBefore: Date, limit: number): Promise<number> {
    const before = pruneCutoff("pruneDeliveryPayloads", receivedBefore);
    const n = pruneLimit("pruneDeliveryPayloads", limit);
    const now = this.#clock.now().toISOString();
    const db = this.#tx.db;
    return this.#tx.write((exec) => exec.run(rq.prunePayloads(db, before, n, now)));
  }

  /**
   * Log lines deleted and runs marked both count against `limit`: a call that changes fewer
   * rows than that found nothing more to do. A run whose lines outnumber what is left of the
   * limit keeps the rest for the next call, which deletes them and marks it.
   */
  async pruneRunLogs(finishedBefore: Date, limit: number): Promise<number> {
    const before = pruneCutoff("pruneRunLogs", finishedBefore);
    const n = pruneLimit("pruneRunLogs", limit);
    const now = this.#clock.now().toISOString();
    const db = this.#tx.db;
    return this.#tx.write(async (exec) => {
      let left = n;
      for (const { id } of await exec.all(rq.selectRunsWithLogs(db, before, n))) {
        left -= await exec.run(rq.deleteRunLogs(db, id, left));
        // Out of budget: the run may have more lines; it stays unmarked.
        if (left === 0) break;
        left -= await exec.run(rq.markLogPruned(db, id, now));
        if (left === 0) break;
      }
      return n - left;
    });
  }

  async ping(): Promise<void> {
    await this.#tx.exec.all(rq.selectPing(this.#tx.db));
  }

  /** Kysely's migration table is found on the search_path: the store's schema (`?schema=`), else `public`. */
  async migrationsApplied(): Promise<boolean> {
    return exactlyThisBuildsMigrations((await this.#tx.exec.all(rq.selectAppliedMigrations(this.#tx.db))).map((r) => r.name));
  }
}
