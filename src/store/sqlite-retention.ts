/**
 * Retention and health on SQLite: the Store methods that SqliteStore hands on to this class
 * (pruneJobs, pruneDeliveryPayloads, pruneRunLogs, ping, migrationsApplied). Each prune is one
 * write of the store's group commit, bounded by its limit, so it never holds the write lock long.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../domain/ports.js";
import type { RetentionStore } from "../domain/retention-port.js";
import { migrations } from "./migrations.js";
import * as rq from "./retention-queries.js";
import type { Tables } from "./schema.js";
import type { SqliteExec } from "./sqlite-exec.js";
import type { GroupCommit } from "./sqlite-group-commit.js";

/** The most rows one prune changes, whatever its caller asks: one write stays short. */
export const PRUNE_MAX_LIMIT = 10_000;

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
    const before = cutoff("pruneJobs", finishedBefore);
    const n = bounded("pruneJobs", limit);
    return this.#group.add(() => this.#exec.run(rq.deleteFinishedJobs(this.#db, before, n)));
  }

  async pruneDeliveryPayloads(receivedBefore: Date, limit: number): Promise<number> {
    const before = cutoff("pruneDeliveryPayloads", receivedBefore);
    const n = bounded("pruneDeliveryPayloads", limit);
    const now = this.#clock.now().toISOString();
    return this.#group.add(() => this.#exec.run(rq.prunePayloads(this.#db, before, n, now)));
  }

  /**
   * Log lines deleted and runs marked both count against `limit`: a call that changes fewer
   * rows than that found nothing more to do. A run whose lines outnumber what is left of the
   * limit keeps the rest for the next call, which deletes them and marks it.
   */
  async pruneRunLogs(finishedBefore: Date, limit: number): Promise<number> {
    const before = cutoff("pruneRunLogs", finishedBefore);
    const n = bounded("pruneRunLogs", limit);
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
    const done = new Set(this.#exec.all(rq.selectAppliedMigrations(this.#db)).map((r) => r.name));
    const wanted = Object.keys(migrations);
    return done.size === wanted.length && wanted.every((name) => done.has(name));
  }
}

/** A cutoff as stored times compare: an ISO-8601 UTC string. */
function cutoff(method: string, at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError(`${method}: the cutoff must be a valid Date`);
  return at.toISOString();
}

/** A prune's limit: a whole number from 1 to PRUNE_MAX_LIMIT. */
function bounded(method: string, limit: number): number {
  if (!(limit >= 1)) throw new RangeError(`${method}: limit must be at least 1, got ${limit}`);
  return Math.min(PRUNE_MAX_LIMIT, Math.trunc(limit));
}
