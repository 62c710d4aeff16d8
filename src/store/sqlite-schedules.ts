/**
 * The schedule index and the installation index on SQLite: the Store methods that SqliteStore
 * hands on to this class (its schedules and which installations were indexed).
 */
import type { Kysely } from "kysely";
import type { RepositoryInfo } from "../domain/events.js";
import type { Schedule, ScheduleEntry } from "../domain/ports.js";
import * as q from "./queries.js";
import * as sq from "./schedule-queries.js";
import { planScheduleReplacement, rowToSchedule } from "./schedule-rows.js";
import type { Tables } from "./schema.js";
import { IN_BATCH, type SqliteExec } from "./sqlite-exec.js";

export class SqliteSchedules {
  readonly #exec: SqliteExec;
  readonly #db: Kysely<Tables>;

  constructor(exec: SqliteExec, db: Kysely<Tables>) {
    this.#exec = exec;
    this.#db = db;
  }

  async markInstallationIndexed(installationId: number, at: Date): Promise<void> {
    this.#exec.run(q.upsertInstallationIndexed(this.#db, installationId, at.toISOString()));
  }

  async unindexedInstallations(installationIds: number[]): Promise<number[]> {
    const indexed = new Set<number>();
    for (let i = 0; i < installationIds.length; i += IN_BATCH) {
      for (const r of this.#exec.all(q.selectIndexedInstallations(this.#db, installationIds.slice(i, i + IN_BATCH)))) indexed.add(Number(r.installation_id));
    }
    return [...new Set(installationIds)].filter((id) => !indexed.has(id));
  }

  async replaceSchedules(repository: RepositoryInfo, installationId: number, entries: ScheduleEntry[], now: Date): Promise<void> {
    this.#exec.write(() => {
      const existing = this.#exec.all(sq.selectRepositorySchedules(this.#db, repository.fullName, repository.id));
      const plan = planScheduleReplacement(existing, repository, installationId, entries, now);
      // Deletes first: a row left under an old name must not collide with a row inserted now.
      if (plan.deletes.length > 0) this.#exec.run(sq.deleteSchedules(this.#db, { ids: plan.deletes }));
      for (const { id, set } of plan.updates) this.#exec.run(sq.updateSchedule(this.#db, id, set));
      for (const row of plan.inserts) this.#exec.run(sq.insertSchedule(this.#db, row));
    });
  }

  async removeSchedules(repository: string): Promise<number> {
    return this.#exec.run(sq.deleteSchedules(this.#db, { repository }));
  }

  async removeInstallationSchedules(installationId: number): Promise<number> {
    return this.#exec.run(sq.deleteSchedules(this.#db, { installationId }));
  }

  async listSchedules(repository?: string): Promise<Schedule[]> {
    return this.#exec.all(sq.selectSchedules(this.#db, repository)).map(rowToSchedule);
  }

  async dueSchedules(now: Date, limit = sq.DUE_DEFAULT_LIMIT): Promise<Schedule[]> {
    const bounded = Number.isFinite(limit) ? Math.min(sq.DUE_MAX_LIMIT, Math.max(1, Math.trunc(limit))) : sq.DUE_DEFAULT_LIMIT;
    return this.#exec.all(sq.selectDueSchedules(this.#db, now.toISOString(), bounded)).map(rowToSchedule);
  }

  async nextScheduleDue(): Promise<Date | undefined> {
    const at = this.#exec.first(sq.selectNextDue(this.#db))?.next_due_at;
    return at ? new Date(at) : undefined;
  }

  async markScheduleFired(id: string, tick: Date, nextDueAt: Date | undefined): Promise<boolean> {
    return this.#exec.run(sq.markScheduleFired(this.#db, id, tick.toISOString(), nextDueAt?.toISOString() ?? null)) > 0;
  }

  async deferSchedule(id: string, lastTickAt: string | undefined, nextDueAt: Date | undefined): Promise<boolean> {
    return this.#exec.run(sq.deferSchedule(this.#db, id, lastTickAt ?? null, nextDueAt?.toISOString() ?? null)) > 0;
  }
}
