/**
 * Retention and health on SQLite: the Store methods that SqliteStore hands on to this class
 * (pruneJobs, pruneDeliveryPayloads, pruneRunLogs, ping, migrationsApplied). Each prune is one
 * write of the store's group commit, bounded by its limit, so it never holds the write lock long.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../domain/ports.js";
import type { RetentionStore } from "../domain/retention-port.js";
import * as rq from "./retention-queries.js";
import { exactlyThisBuildsMigrations, pruneCutoff, pruneLimit } from "./store-rules.js";
import type { Tables } from "./schema.js";
import type { SqliteExec } from "./sqlite-exec.js";
import type { GroupCommit } from "./sqlite-group-commit.js";


export class SqliteRetention implements RetentionStore {
  readonly #exec: SqliteExec;
  readonly #db: Kysely<Tables>;
  readonly #clock: Clock;
  readonly #group: GroupCommit;

  constructor(exec: SqliteExec, db: Kysely<Tables>, clock: Clock, group: GroupCommit) {
    this.#exec = exec;
    this.#db = db;
    this.#clock = clock;
    this.#group = group;
  }

  async pruneJobs(finishedBefore: Date, limit: number): Promise<number> {
    const before = pruneCutoff("pruneJobs", finishedBefore);
    const n = pruneLimit("pruneJobs", limit);
    return this.#group.add(() => this.#exec.run(rq.deleteFinishedJobs(this.#db, before, n)));
  }

  async pruneDeliveryPayloads(receivedBefore: Date, limit: number): Promise<number> {
    const before = pruneCutoff("pruneDeliveryPayloads", receivedBefore);
    const n = pruneLimit("pruneDeliveryPayloads", limit);
    const now = this.#clock.now().toISOString();
    return this.#group.add(() => this.#exec.run(rq.prunePayloads(this.#db, before, n, now)));
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
    return this.#group.add(() => {
      let left = n;
      for (const { id } of this.#exec.all(rq.selectRunsWithLogs(this.#db, before, n))) {
        left -= this.#exec.run(rq.deleteRunLogs(this.#db, id, left));
        // Out of budget: the run may have more lines; it stays unmarked.
        if (left === 0) break;
        left -= this.#exec.run(rq.markLogPruned(this.#db, id, now));
        if (left === 0) break;
      }
      return n - left;
    });
  }

  async ping(): Promise<void> {
    this.#exec.all(rq.selectPing(this.#db));
  }

  async migrationsApplied(): Promise<boolean> {
    return exactlyThisBuildsMigrations(this.#exec.all(rq.selectAppliedMigrations(this.#db)).map((r) => r.name));
  }
}
