import Database from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, type Migration, type Selectable } from "kysely";
import type { Delivery, RepositoryInfo } from "../domain/events.js";
import type { Clock, EffectRecord, Job, NewJob, RunFilter, Schedule, ScheduleEntry, Store } from "../domain/ports.js";
import type { LogEntry, Run } from "../domain/run.js";
import { migrations as allMigrations } from "./migrations.js";
import * as q from "./queries.js";
import * as rows from "./rows.js";
import * as sq from "./schedule-queries.js";
import { planScheduleReplacement, rowToSchedule } from "./schedule-rows.js";
import type { RunLogsTable, Tables } from "./schema.js";
import { configureSqlite } from "./sqlite-connection.js";
import { SqliteExec } from "./sqlite-exec.js";
import { migrateSqlite } from "./sqlite-migrate.js";

export interface SqliteStoreOptions {
  /** The clock for the times the store picks itself: a job's default run time, `updated_at`. */
  clock?: Clock;
  /** How long a statement waits for another connection's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /** The schema's migrations (default: all of `migrations.ts`; tests pass others). */
  migrations?: Record<string, Migration>;
}

const systemClock: Clock = { now: () => new Date() };
/** Rows per multi-row INSERT: 5 parameters each, far below SQLite's bound-parameter limit. */
const LOG_BATCH = 500;
const DUE_DEFAULT_LIMIT = 100;
const DUE_MAX_LIMIT = 1_000;

/** Opens a SQLite database (a file path, or ":memory:"), creating and migrating it as needed. */
export async function openSqliteStore(filename: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const sqlite = new Database(filename);
  try {
    configureSqlite(sqlite, options.busyTimeoutMs);
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrateSqlite(sqlite, db, options.migrations ?? allMigrations);
    return new SqliteStore(sqlite, db, options.clock ?? systemClock);
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/**
 * The Store on SQLite. Queries come from `queries.ts` (portable); this class runs them
 * synchronously (see `SqliteExec`), so each method is one atomic step even when several
 * processes share the file.
 */
export class SqliteStore implements Store {
  readonly #sqlite: BetterSqlite3.Database;
  readonly #db: Kysely<Tables>;
  readonly #exec: SqliteExec;
  readonly #clock: Clock;

  constructor(sqlite: BetterSqlite3.Database, db: Kysely<Tables>, clock: Clock) {
    this.#sqlite = sqlite;
    this.#db = db;
    this.#exec = new SqliteExec(sqlite);
    this.#clock = clock;
  }

  async acceptDelivery(delivery: Delivery): Promise<boolean> {
    const now = this.#clock.now();
    // Due when it arrived, so a worker whose clock is the handler's clock sees it at once.
    const received = new Date(delivery.receivedAt);
    const runAt = Number.isNaN(received.getTime()) ? now : received;
    const job: NewJob = { type: "delivery", payload: { deliveryId: delivery.id }, key: `delivery:${delivery.id}`, runAt };
    return this.#exec.write(() => {
      // The primary key decides: a replay inserts nothing, so it enqueues nothing either.
      if (this.#exec.run(q.insertDelivery(this.#db, rows.deliveryToRow(delivery))) === 0) return false;
      this.#exec.run(q.insertJob(this.#db, rows.newJobToRow(job, now)));
      return true;
    });
  }

  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = this.#exec.first(q.selectDelivery(this.#db, id));
    return row && rows.rowToDelivery(row);
  }

  async createRun(run: Run): Promise<{ run: Run; created: boolean }> {
    return this.#exec.write(() => {
      const created = this.#exec.run(q.insertRun(this.#db, rows.runToRow(run))) === 1;
      if (created) this.#insertLogs(run.id, run.log);
      const stored = this.#readRun(created ? { id: run.id } : { dedupeKey: run.dedupeKey });
      if (!stored) throw new Error(`run ${run.id}: neither inserted nor found by its dedupe key`);
      return { run: stored, created };
    });
  }

  async getRun(id: string): Promise<Run | undefined> {
    return this.#exec.read(() => this.#readRun({ id }));
  }

  async saveRun(run: Run): Promise<void> {
    const changed = this.#exec.run(q.updateRunState(this.#db, run.id, rows.runStateToRow(run)));
    if (changed === 0) throw new Error(`cannot save run ${run.id}: there is no such run (create it first)`);
  }

  async requestCancel(runId: string, request: { actor: string; at: string }): Promise<boolean> {
    // The first request wins; later ones (and requests for unknown runs) change nothing.
    const changed = this.#exec.run(
      this.#db.updateTable("runs").set({ cancel_requested: JSON.stringify(request) }).where("id", "=", runId).where("cancel_requested", "is", null),
    );
    return changed > 0;
  }

  async appendLog(runId: string, entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.#exec.write(() => {
      if (!this.#exec.first(q.selectRun(this.#db, { id: runId }).clearSelect().select("id"))) {
        throw new Error(`cannot append to the log of run ${runId}: there is no such run`);
      }
      this.#insertLogs(runId, entries);
    });
  }

  async listRuns(filter: RunFilter = {}): Promise<Run[]> {
    const limit = clampLimit(filter.limit);
    return this.#exec.read(() => {
      const runRows = this.#exec.all(q.selectRuns(this.#db, filter, limit));
      if (runRows.length === 0) return [];
      const logs = new Map(runRows.map((r) => [r.id, [] as Selectable<RunLogsTable>[]]));
      for (const log of this.#exec.all(q.selectLogs(this.#db, [...logs.keys()]))) logs.get(log.run_id)?.push(log);
      return runRows.map((r) => rows.rowToRun(r, logs.get(r.id) ?? []));
    });
  }

  async claimEffect(key: string, kind: string, now: Date): Promise<{ record: EffectRecord; claimed: boolean }> {
    return this.#exec.write(() => {
      const claimed = this.#exec.run(q.insertEffect(this.#db, key, kind, now.toISOString())) === 1;
      const row = this.#exec.first(q.selectEffect(this.#db, key));
      if (!row) throw new Error(`effect ${key}: neither inserted nor found`);
      return { record: rows.rowToEffect(row), claimed };
    });
  }

  async completeEffect(key: string, result: Record<string, unknown>): Promise<void> {
    const changed = this.#exec.run(q.completeEffect(this.#db, key, rows.toJson(result)));
    if (changed === 0) throw new Error(`cannot complete effect ${key}: it was never claimed`);
  }

  async enqueue(job: NewJob): Promise<boolean> {
    return this.#exec.run(q.insertJob(this.#db, rows.newJobToRow(job, this.#clock.now()))) === 1;
  }

  async claimJob(workerId: string, now: Date, leaseMs: number): Promise<Job | undefined> {
    if (!(leaseMs > 0)) throw new RangeError(`claimJob: leaseMs must be a positive number of milliseconds, got ${leaseMs}`);
    const lockedUntil = new Date(now.getTime() + leaseMs).toISOString();
    // One UPDATE … RETURNING: SQLite runs it under the database's single write lock, so two
    // claimers (connections or processes) can never both see the job as due.
    const row = this.#exec.first(q.claimJob(this.#db, { workerId, now: now.toISOString(), lockedUntil }));
    return row && rows.rowToJob(row);
  }

  async completeJob(id: string): Promise<void> {
    this.#exec.run(q.finishJob(this.#db, id, this.#clock.now().toISOString(), { status: "done" }));
  }

  async failJob(id: string, error: string, retryAt?: Date): Promise<void> {
    const outcome = retryAt
      ? { status: "queued" as const, runAt: retryAt.toISOString(), error }
      : { status: "failed" as const, error };
    this.#exec.run(q.finishJob(this.#db, id, this.#clock.now().toISOString(), outcome));
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

  async dueSchedules(now: Date, limit = DUE_DEFAULT_LIMIT): Promise<Schedule[]> {
    const bounded = Number.isFinite(limit) ? Math.min(DUE_MAX_LIMIT, Math.max(1, Math.trunc(limit))) : DUE_DEFAULT_LIMIT;
    return this.#exec.all(sq.selectDueSchedules(this.#db, now.toISOString(), bounded)).map(rowToSchedule);
  }

  async markScheduleFired(id: string, tick: Date, nextDueAt: Date | undefined): Promise<boolean> {
    return this.#exec.run(sq.markScheduleFired(this.#db, id, tick.toISOString(), nextDueAt?.toISOString() ?? null)) > 0;
  }

  async deferSchedule(id: string, lastTickAt: string | undefined, nextDueAt: Date | undefined): Promise<boolean> {
    return this.#exec.run(sq.deferSchedule(this.#db, id, lastTickAt ?? null, nextDueAt?.toISOString() ?? null)) > 0;
  }

  async close(): Promise<void> {
    if (!this.#sqlite.open) return;
    // Kysely's driver closes the connection; closing it here too covers a driver never used.
    await this.#db.destroy();
    if (this.#sqlite.open) this.#sqlite.close();
  }

  #readRun(by: { id: string } | { dedupeKey: string }): Run | undefined {
    const row = this.#exec.first(q.selectRun(this.#db, by));
    return row && rows.rowToRun(row, this.#exec.all(q.selectLogs(this.#db, [row.id])));
  }

  #insertLogs(runId: string, entries: LogEntry[]): void {
    for (let i = 0; i < entries.length; i += LOG_BATCH) {
      const batch = entries.slice(i, i + LOG_BATCH).map((e) => rows.logEntryToRow(runId, e));
      this.#exec.run(q.insertLogs(this.#db, batch));
    }
  }
}

/** The listRuns limit: 50 unless asked, never more than 500, at least 1. */
function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return q.RUN_LIST_DEFAULT_LIMIT;
  return Math.min(q.RUN_LIST_MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}
