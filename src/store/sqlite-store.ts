import Database from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, type Migration, type Selectable } from "kysely";
import type { Delivery, RepositoryInfo } from "../domain/events.js";
import type { Clock, EffectDone, EffectRecord, Job, JobHolder, NewJob, RunCommitExtras, RunCommitResult, RunFilter, Schedule, ScheduleEntry, Store, WaitQuery } from "../domain/ports.js";
import type { LogEntry, Run } from "../domain/run.js";
import { migrations as allMigrations } from "./migrations.js";
import * as q from "./queries.js";
import * as rows from "./rows.js";
import * as sq from "./schedule-queries.js";
import { planScheduleReplacement, rowToSchedule } from "./schedule-rows.js";
import type { RunLogsTable, Tables } from "./schema.js";
import { configureSqlite } from "./sqlite-connection.js";
import { SqliteExec } from "./sqlite-exec.js";
import type { WriteGate } from "./write-gate.js";
import { migrateSqlite } from "./sqlite-migrate.js";

export interface SqliteStoreOptions {
  /** The clock for the times the store picks itself: a job's default run time, `updated_at`. */
  clock?: Clock;
  /** How long a statement waits for another connection's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /** The schema's migrations (default: all of `migrations.ts`; tests pass others). */
  migrations?: Record<string, Migration>;
  /** Write priority among the threads of this process that share the file (see WriteGate). */
  writeGate?: WriteGate;
}

const systemClock: Clock = { now: () => new Date() };
/** The next turn of the event loop, as this module found it (a test that fakes timers must not stall the store's commits). */
const nextTurn = setImmediate;
/** Rows per multi-row INSERT: 5 parameters each, far below SQLite's bound-parameter limit. */
const LOG_BATCH = 500;
const DUE_DEFAULT_LIMIT = 100;
/** Ids per IN list: far below SQLite's bound-parameter limit. */
const IN_BATCH = 500;
/** The fair-queueing clock: the virtual start time of the latest job served. */
const VIRTUAL_CLOCK = "virtual_clock";
/** Scheduled jobs made due per statement when they fall due. */
const PROMOTE_BATCH = 500;
const DUE_MAX_LIMIT = 1_000;

/** Opens a SQLite database (a file path, or ":memory:"), creating and migrating it as needed. */
export async function openSqliteStore(filename: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const sqlite = new Database(filename);
  try {
    const { busyTimeoutMs } = configureSqlite(sqlite, options.busyTimeoutMs);
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrateSqlite(sqlite, db, options.migrations ?? allMigrations);
    // A priority writer of the gate never sleeps in SQLite's busy handler: the gate retries for
    // it, for as long as the busy timeout would have waited.
    if (options.writeGate?.role === "priority") {
      sqlite.pragma("busy_timeout = 0");
      // Nor does it copy the WAL back into the database (a checkpoint: megabytes written and
      // synced in one commit): the yielding connection's commits do that, as they come.
      sqlite.pragma("wal_autocheckpoint = 0");
    }
    return new SqliteStore(sqlite, db, options.clock ?? systemClock, options.writeGate, busyTimeoutMs);
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

  constructor(sqlite: BetterSqlite3.Database, db: Kysely<Tables>, clock: Clock, gate?: WriteGate, busyTimeoutMs?: number) {
    this.#sqlite = sqlite;
    this.#db = db;
    this.#exec = new SqliteExec(sqlite, gate, busyTimeoutMs);
    this.#clock = clock;
  }

  /**
   * The writes asked for in one turn of the event loop are committed together (a group
   * commit: one write transaction, each write in a savepoint of its own, so one that fails
   * fails alone and rolls back alone). Every caller's promise settles after the commit: an
   * acknowledged delivery, a committed run, a leased job are on disk. Many runs in flight
   * share the pages every write touches (the job queue, its indexes): each commit writes
   * them to the WAL once, not once per write.
   */
  #grouped<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.#pending) {
        this.#pending = [];
        nextTurn(() => this.#commitGroup());
      }
      this.#pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #pending: { write: () => unknown; resolve(value: unknown): void; reject(err: unknown): void }[] | undefined;

  #commitGroup(): void {
    const group = this.#pending ?? [];
    this.#pending = undefined;
    if (group.length === 0) return;
    let outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[];
    try {
      outcomes = this.#exec.write(() =>
        this.#fairBatch(() => {
          // Alone in its group, a write needs no savepoint: the transaction is all of it.
          if (group.length === 1) return [{ ok: true as const, value: group[0]!.write() }];
          return group.map(({ write }) => {
            try {
              return { ok: true as const, value: this.#exec.write(write) };
            } catch (err) {
              // Its savepoint rolled back: the queue's counters are read again from what is stored.
              this.#fair = { clock: this.#readVirtualClock(), finish: new Map() };
              return { ok: false as const, err };
            }
          });
        }),
      );
    } catch (err) {
      for (const waiting of group) waiting.reject(err);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? group[i]!.resolve(outcome.value) : group[i]!.reject(outcome.err)));
  }

  acceptDelivery(delivery: Delivery, options: { payloadText?: string } = {}): Promise<boolean> {
    return this.#grouped(() => this.#acceptOne(delivery, options.payloadText));
  }

  #acceptOne(delivery: Delivery, payloadText: string | undefined): boolean {
    const now = this.#clock.now();
    // Due when it arrived, so a worker whose clock is the handler's clock sees it at once.
    const received = new Date(delivery.receivedAt);
    const runAt = Number.isNaN(received.getTime()) ? now : received;
    const job: NewJob = { type: "delivery", payload: { deliveryId: delivery.id }, key: `delivery:${delivery.id}`, runAt, installationId: delivery.installationId };
    // The primary key decides: a replay inserts nothing, so it enqueues nothing either.
    if (this.#exec.run(q.insertDelivery(this.#db, rows.deliveryToRow(delivery, payloadText))) === 0) return false;
    this.#insertJob(job, now);
    return true;
  }

  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = this.#exec.first(q.selectDelivery(this.#db, id));
    return row && rows.rowToDelivery(row);
  }

  async createRun(run: Run, options: { heldBy?: JobHolder } = {}): Promise<{ run: Run; created: boolean; held?: boolean }> {
    const now = this.#clock.now().toISOString();
    return this.#grouped(() => {
      const created = this.#exec.run(q.insertRun(this.#db, rows.runToRow(run))) === 1;
      let held: boolean | undefined;
      if (created) {
        this.#insertLogs(run.id, run.log);
        this.#insertWaits(run);
        if (options.heldBy) held = this.#exec.run(q.holdConcurrencyKey(this.#db, options.heldBy, run.id, now)) === 1;
      }
      // A new run is what was inserted: no need to read it back.
      const stored = created ? { ...run, version: 1 } : this.#readRun({ dedupeKey: run.dedupeKey });
      if (!stored) throw new Error(`run ${run.id}: neither inserted nor found by its dedupe key`);
      return { run: stored, created, ...(held === undefined ? {} : { held }) };
    });
  }

  async getRun(id: string): Promise<Run | undefined> {
    return this.#exec.read(() => this.#readRun({ id }));
  }

  async commitRun(run: Run, extras: RunCommitExtras = {}): Promise<RunCommitResult> {
    const expected = run.version ?? 1;
    const now = this.#clock.now();
    return this.#grouped(() => {
      if (this.#exec.run(q.commitRunState(this.#db, run.id, expected, rows.runStateToRow(run))) === 0) {
        // Nothing written: another writer moved the run on (or it does not exist).
        return { committed: false, storedVersion: this.#exec.first(q.selectRunVersion(this.#db, run.id))?.version };
      }
      this.#insertLogs(run.id, extras.log ?? []);
      this.#exec.run(q.deleteWaits(this.#db, run.id));
      this.#insertWaits(run);
      for (const job of extras.jobs ?? []) this.#insertJob(job, now);
      this.#recordEffects(extras.effects ?? [], now);
      return { committed: true, version: expected + 1 };
    });
  }

  async findWaitingRuns(query: WaitQuery): Promise<string[]> {
    if (query.targets.length === 0) return [];
    const targets = [...new Set(query.targets.map((t) => rows.waitTarget(query.event, t)))].slice(0, IN_BATCH);
    return this.#exec.all(q.selectWaitingRuns(this.#db, { ...query, targets })).map((r) => r.run_id);
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
    return this.#grouped(() => {
      const claimed = this.#exec.run(q.insertEffect(this.#db, key, kind, now.toISOString())) === 1;
      const row = this.#exec.first(q.selectEffect(this.#db, key));
      if (!row) throw new Error(`effect ${key}: neither inserted nor found`);
      return { record: rows.rowToEffect(row), claimed };
    });
  }

  async completeEffect(key: string, result: Record<string, unknown>): Promise<void> {
    const changed = await this.#grouped(() => this.#exec.run(q.completeEffect(this.#db, key, rows.toJson(result))));
    if (changed === 0) throw new Error(`cannot complete effect ${key}: it was never claimed`);
  }

  async recordEffects(effects: EffectDone[], now: Date): Promise<void> {
    if (effects.length > 0) await this.#grouped(() => this.#recordEffects(effects, now));
  }

  #recordEffects(effects: EffectDone[], now: Date): void {
    for (const effect of effects) this.#exec.run(q.upsertDoneEffect(this.#db, { key: effect.key, kind: effect.kind, result: rows.toJson(effect.result) }, now.toISOString()));
  }

  async releaseEffect(key: string): Promise<void> {
    await this.#grouped(() => this.#exec.run(q.deleteClaimedEffect(this.#db, key)));
  }

  async enqueue(job: NewJob): Promise<boolean> {
    const now = this.#clock.now();
    return this.#grouped(() => this.#insertJob(job, now));
  }

  async claimJob(workerId: string, now: Date, leaseMs: number): Promise<Job | undefined> {
    return (await this.claimJobs(workerId, now, leaseMs, 1))[0];
  }

  async claimJobs(workerId: string, now: Date, leaseMs: number, limit: number): Promise<Job[]> {
    if (!(leaseMs > 0)) throw new RangeError(`claimJob: leaseMs must be a positive number of milliseconds, got ${leaseMs}`);
    const at = now.toISOString();
    const lockedUntil = new Date(now.getTime() + leaseMs).toISOString();
    const wanted = Math.max(1, Math.min(1_000, Math.trunc(limit)));
    // One write transaction: SQLite's single write lock makes the picks and the leases atomic,
    // so two claimers (connections or processes) never take the same job.
    return this.#grouped(() => {
      this.#promoteDue(at);
      let clock = this.#virtualClock();
      const start = clock;
      const jobs: Job[] = [];
      while (jobs.length < wanted) {
        const pick = this.#exec.first(q.selectExpiredLease(this.#db, at)) ?? this.#exec.first(q.selectNextQueued(this.#db, at));
        if (!pick) break;
        const row = this.#exec.first(q.leaseJob(this.#db, pick.id, { workerId, now: at, lockedUntil }));
        if (!row) break;
        clock = Math.max(clock, Number(pick.fair_at));
        jobs.push(rows.rowToJob(row));
      }
      if (clock > start) this.#setVirtualClock(clock);
      return jobs;
    });
  }

  async renewLeases(workerId: string, jobIds: string[], lockedUntil: Date): Promise<string[]> {
    const held: string[] = [];
    const now = this.#clock.now().toISOString();
    await this.#grouped(() => {
      for (let i = 0; i < jobIds.length; i += IN_BATCH) {
        for (const r of this.#exec.all(q.renewLeases(this.#db, workerId, jobIds.slice(i, i + IN_BATCH), lockedUntil.toISOString(), now))) held.push(r.id);
      }
    });
    return held;
  }

  async completeJob(id: string, workerId: string): Promise<boolean> {
    const now = this.#clock.now().toISOString();
    return (await this.#grouped(() => this.#exec.run(q.finishJob(this.#db, id, workerId, now, { status: "done" })))) > 0;
  }

  async failJob(id: string, workerId: string, error: string, retryAt?: Date): Promise<boolean> {
    const outcome = retryAt ? { status: "scheduled" as const, runAt: retryAt.toISOString(), error } : { status: "failed" as const, error };
    const now = this.#clock.now().toISOString();
    return (await this.#grouped(() => this.#exec.run(q.finishJob(this.#db, id, workerId, now, outcome)))) > 0;
  }

  async leaseHolders(): Promise<string[]> {
    return this.#exec.all(q.selectLeaseHolders(this.#db)).map((r) => r.locked_by!);
  }

  async releaseLeases(workerIds: string[]): Promise<number> {
    if (workerIds.length === 0) return 0;
    const now = this.#clock.now().toISOString();
    return this.#exec.write(() => {
      let released = 0;
      for (let i = 0; i < workerIds.length; i += IN_BATCH) released += this.#exec.run(q.releaseLeases(this.#db, workerIds.slice(i, i + IN_BATCH), now));
      return released;
    });
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

  async dueSchedules(now: Date, limit = DUE_DEFAULT_LIMIT): Promise<Schedule[]> {
    const bounded = Number.isFinite(limit) ? Math.min(DUE_MAX_LIMIT, Math.max(1, Math.trunc(limit))) : DUE_DEFAULT_LIMIT;
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

  async close(): Promise<void> {
    if (!this.#sqlite.open) return;
    // Writes asked for in this turn are committed first: a caller awaiting one must not find it lost.
    if (this.#pending) this.#commitGroup();
    // Kysely's driver closes the connection; closing it here too covers a driver never used.
    await this.#db.destroy();
    if (this.#sqlite.open) this.#sqlite.close();
  }

  #readRun(by: { id: string } | { dedupeKey: string }): Run | undefined {
    const row = this.#exec.first(q.selectRun(this.#db, by));
    return row && rows.rowToRun(row, this.#exec.all(q.selectLogs(this.#db, [row.id])));
  }

  /** The fair clock: as this write transaction last set it, or as stored. */
  #virtualClock(): number {
    return this.#fair?.clock ?? this.#readVirtualClock();
  }

  #readVirtualClock(): number {
    return Number(this.#exec.first(q.selectQueueState(this.#db, VIRTUAL_CLOCK))?.value ?? 0);
  }

  #setVirtualClock(value: number): void {
    this.#exec.run(q.upsertQueueState(this.#db, VIRTUAL_CLOCK, value));
    if (this.#fair) this.#fair.clock = value;
  }

  /** The fair clock and the installations' finish times as a group commit has read or set them (only inside its write transaction: nobody else moves them meanwhile). */
  #fair: { clock: number; finish: Map<number, number> } | undefined;

  /** Runs `fn` (inside a write transaction) with the fair-queueing counters kept in memory: nobody else can move them while this connection holds the write lock. */
  #fairBatch<T>(fn: () => T): T {
    this.#fair = { clock: this.#readVirtualClock(), finish: new Map() };
    try {
      return fn();
    } finally {
      this.#fair = undefined;
    }
  }

  /**
   * Inserts a job (inside a write transaction). A job due now joins the queue with a virtual
   * start time: start-time fair queueing, one slot per installation. It starts at the fair
   * clock's present or just after its installation's previous job, whichever is later, so an
   * installation with a backlog of a thousand jobs queues them one after another while
   * another installation's first job goes in at the present, ahead of that backlog. A job
   * due later waits as `scheduled` and joins the queue when it falls due.
   */
  #insertJob(job: NewJob, now: Date): boolean {
    const row = rows.newJobToRow(job, now);
    if (new Date(row.run_at).getTime() > now.getTime()) return this.#exec.run(q.insertJob(this.#db, { ...row, status: "scheduled" })) === 1;
    const installation = job.installationId ?? 0;
    const start = this.#fairStart(installation);
    const inserted = this.#exec.run(q.insertJob(this.#db, { ...row, status: "queued", fair_at: start })) === 1;
    if (inserted) this.#setInstallationFinish(installation, start + 1);
    return inserted;
  }

  #setInstallationFinish(installation: number, finishAt: number): void {
    this.#exec.run(q.upsertInstallationFinish(this.#db, installation, finishAt));
    this.#fair?.finish.set(installation, finishAt);
  }

  /** A job of this installation queued now starts at the fair clock's present, or after the installation's last queued job. */
  #fairStart(installation: number): number {
    const clock = this.#virtualClock();
    const known = this.#fair?.finish.get(installation);
    return Math.max(clock, known ?? Number(this.#exec.first(q.selectInstallationFinish(this.#db, installation))?.finish_at ?? 0));
  }

  /** Scheduled jobs that fell due join the queue as if enqueued now, each in its installation's turn (inside a write transaction). */
  #promoteDue(now: string): void {
    for (;;) {
      const due = this.#exec.all(q.selectDueScheduled(this.#db, now, PROMOTE_BATCH));
      for (const job of due) {
        const installation = job.installation_id ?? 0;
        const start = this.#fairStart(installation);
        this.#exec.run(q.queueJob(this.#db, job.id, start));
        this.#setInstallationFinish(installation, start + 1);
      }
      if (due.length < PROMOTE_BATCH) return;
    }
  }

  #insertWaits(run: Run): void {
    const waits = rows.waitRowsOf(run);
    for (let i = 0; i < waits.length; i += LOG_BATCH / 5) this.#exec.run(q.insertWaits(this.#db, waits.slice(i, i + LOG_BATCH / 5)));
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
