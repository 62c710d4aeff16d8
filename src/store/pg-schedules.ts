/**
 * The schedule index and the installation index on PostgreSQL: the Store methods that PgStore
 * hands on to this class (its schedules and which installations were indexed), ported statement
 * for statement from SqliteSchedules. Every write goes through the store's write lock, as every
 * SQLite write takes SQLite's; lists come back in SQLite's byte order of names.
 */
import type { RepositoryInfo } from "../domain/events.js";
import type { Clock, Schedule, ScheduleEntry } from "../domain/ports.js";
import { inByteOrder } from "./pg-catalogue.js";
import { PG_IN_BATCH, type PgTransactions } from "./pg-exec.js";
import * as q from "./queries.js";
import * as sq from "./schedule-queries.js";
import { planScheduleReplacement, rowToSchedule } from "./schedule-rows.js";

export class PgSchedules {
  readonly #tx: PgTransactions;

  /** The clock is the parts' common shape: SqliteSchedules reads none (callers pass `now`), so neither does this class. */
  constructor(tx: PgTransactions, _clock: Clock) {
    this.#tx = tx;
  }

  async markInstallationIndexed(installationId: number, at: Date): Promise<void> {
    const db = this.#tx.db;
    await this.#tx.write((exec) => exec.run(q.upsertInstallationIndexed(db, installationId, at.toISOString())));
  }

  async unindexedInstallations(installationIds: number[]): Promise<number[]> {
    const indexed = new Set<number>();
    for (let i = 0; i < installationIds.length; i += PG_IN_BATCH) {
      for (const r of await this.#tx.exec.all(q.selectIndexedInstallations(this.#tx.db, installationIds.slice(i, i + PG_IN_BATCH)))) indexed.add(Number(r.installation_id));
    }
    return [...new Set(installationIds)].filter((id) => !indexed.has(id));
  }

  async replaceSchedules(repository: RepositoryInfo, installationId: number, entries: ScheduleEntry[], now: Date): Promise<void> {
    const db = this.#tx.db;
    await this.#tx.write(async (exec) => {
      const existing = await exec.all(sq.selectRepositorySchedules(db, repository.fullName, repository.id));
      const plan = planScheduleReplacement(existing, repository, installationId, entries, now);
      // Deletes first: a row left under an old name must not collide with a row inserted now.
      // The plan deletes a repository's rows only, far fewer than Postgres' parameter limit.
      if (plan.deletes.length > 0) await exec.run(sq.deleteSchedules(db, { ids: plan.deletes }));
      for (const { id, set } of plan.updates) await exec.run(sq.updateSchedule(db, id, set));
      for (const row of plan.inserts) await exec.run(sq.insertSchedule(db, row));
    });
  }

  async removeSchedules(repository: string): Promise<number> {
    const db = this.#tx.db;
    return this.#tx.write((exec) => exec.run(sq.deleteSchedules(db, { repository })));
  }

  async removeInstallationSchedules(installationId: number): Promise<number> {
    const db = this.#tx.db;
    return this.#tx.write((exec) => exec.run(sq.deleteSchedules(db, { installationId })));
  }

  /** By repository, workflow path (both in byte order, as SQLite sorts them) and trigger index. */
  async listSchedules(repository?: string): Promise<Schedule[]> {
    const query = sq.selectSchedules(this.#tx.db, repository).clearOrderBy().orderBy(inByteOrder("repository")).orderBy(inByteOrder("workflow_path")).orderBy("trigger_index");
    return (await this.#tx.exec.all(query)).map(rowToSchedule);
  }

  /**
   * Earliest first along the (next_due_at, id) index, the shared statement as it is: due times
   * are ISO-8601 UTC strings of one format and ids lower-case UUIDs, which sort alike under any
   * collation, so the order is SQLite's and the index serves it.
   */
  async dueSchedules(now: Date, limit = sq.DUE_DEFAULT_LIMIT): Promise<Schedule[]> {
    const bounded = Number.isFinite(limit) ? Math.min(sq.DUE_MAX_LIMIT, Math.max(1, Math.trunc(limit))) : sq.DUE_DEFAULT_LIMIT;
    return (await this.#tx.exec.all(sq.selectDueSchedules(this.#tx.db, now.toISOString(), bounded))).map(rowToSchedule);
  }

  async nextScheduleDue(): Promise<Date | undefined> {
    const at = (await this.#tx.exec.first(sq.selectNextDue(this.#tx.db)))?.next_due_at;
    return at ? new Date(at) : undefined;
  }

  async markScheduleFired(id: string, tick: Date, nextDueAt: Date | undefined): Promise<boolean> {
    const db = this.#tx.db;
    return (await this.#tx.write((exec) => exec.run(sq.markScheduleFired(db, id, tick.toISOString(), nextDueAt?.toISOString() ?? null)))) > 0;
  }

  async deferSchedule(id: string, lastTickAt: string | undefined, nextDueAt: Date | undefined): Promise<boolean> {
    const db = this.#tx.db;
    return (await this.#tx.write((exec) => exec.run(sq.deferSchedule(db, id, lastTickAt ?? null, nextDueAt?.toISOString() ?? null)))) > 0;
  }
}
