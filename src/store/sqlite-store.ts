// The Store on SQLite: opening (and migrating) the database, and SqliteStore, which keeps deliveries and effects and
// hands on runs, the job queue, the group commit, schedules, tasks, the catalogue, retention and health (sqlite-*.ts).
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, type Migration } from "kysely";
import type { Delivery } from "../domain/events.js";
import type { Clock, EffectDone, EffectRecord, Job, JobHolder, NewJob, RunCommitExtras, RunCommitResult, RunFilter, Store, WaitQuery } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import { migrations as allMigrations } from "./migrations.js";
import * as q from "./queries.js";
import * as rows from "./rows.js";
import type { Tables } from "./schema.js";
import { SqliteCatalogue } from "./sqlite-catalogue.js";
import { delegate } from "./delegate.js";
import { CATALOGUE, FIGURES, PRESENCE, RETENTION, SCHEDULES, TASKS, type HandedOnParts } from "./store-parts.js";
import { SqliteFigures } from "./sqlite-figures.js";
import { SqlitePresence } from "./sqlite-presence.js";
import { configureSqlite } from "./sqlite-connection.js";
import { SqliteExec } from "./sqlite-exec.js";
import { GroupCommit } from "./sqlite-group-commit.js";
import { SqliteJobQueue } from "./sqlite-job-queue.js";
import { SqliteRetention } from "./sqlite-retention.js";
import { SqliteRuns } from "./sqlite-runs.js";
import { SqliteSchedules } from "./sqlite-schedules.js";
import { SqliteTasks } from "./sqlite-tasks.js";
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
 * processes share the file. Writes go through the group commit (see `GroupCommit`).
 */

// The parts' methods are declared here and bound in the constructor (delegate.ts); methodsOf
// checks that the lists name every method of each part.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface SqliteStore extends HandedOnParts {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SqliteStore implements Store {
  readonly #sqlite: Database.Database;
  readonly #db: Kysely<Tables>;
  readonly #exec: SqliteExec;
  readonly #clock: Clock;
  readonly #jobs: SqliteJobQueue;
  readonly #group: GroupCommit;
  readonly #runs: SqliteRuns;

  constructor(sqlite: Database.Database, db: Kysely<Tables>, clock: Clock, gate?: WriteGate, busyTimeoutMs?: number) {
    this.#sqlite = sqlite;
    this.#db = db;
    this.#exec = new SqliteExec(sqlite, gate, busyTimeoutMs);
    this.#clock = clock;
    this.#jobs = new SqliteJobQueue(this.#exec, db);
    this.#group = new GroupCommit(this.#exec, this.#jobs);
    delegate(this, new SqliteSchedules(this.#exec, db), SCHEDULES);
    this.#runs = new SqliteRuns(this.#exec, db, clock, this.#group, this.#jobs);
    delegate(this, new SqliteTasks(this.#exec, db, this.#group), TASKS);
    delegate(this, new SqliteCatalogue(this.#exec, db, this.#group), CATALOGUE);
    delegate(this, new SqliteRetention(this.#exec, db, clock, this.#group), RETENTION);
    delegate(this, new SqliteFigures(this.#exec, db), FIGURES);
    delegate(this, new SqlitePresence(this.#exec, db, this.#group), PRESENCE);
  }

  acceptDelivery(delivery: Delivery, options: { payloadText?: string } = {}): Promise<boolean> {
    return this.#group.add(() => this.#acceptOne(delivery, options.payloadText));
  }

  #acceptOne(delivery: Delivery, payloadText: string | undefined): boolean {
    const now = this.#clock.now();
    // Due when it arrived, so a worker whose clock is the handler's clock sees it at once.
    const received = new Date(delivery.receivedAt);
    const runAt = Number.isNaN(received.getTime()) ? now : received;
    const job: NewJob = { type: "delivery", payload: { deliveryId: delivery.id }, key: `delivery:${delivery.id}`, runAt, installationId: delivery.installationId };
    // The primary key decides: a replay inserts nothing, so it enqueues nothing either.
    if (this.#exec.run(q.insertDelivery(this.#db, rows.deliveryToRow(delivery, payloadText))) === 0) return false;
    this.#jobs.insert(job, now);
    return true;
  }

  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = this.#exec.first(q.selectDelivery(this.#db, id));
    return row && rows.rowToDelivery(row);
  }

  // Runs: see SqliteRuns.
  createRun(run: Run, options?: { heldBy?: JobHolder }): Promise<{ run: Run; created: boolean; held?: boolean }> {
    return this.#runs.createRun(run, options);
  }
  getRun(id: string): Promise<Run | undefined> {
    return this.#runs.getRun(id);
  }
  commitRun(run: Run, extras?: RunCommitExtras): Promise<RunCommitResult> {
    return this.#runs.commitRun(run, extras);
  }
  findWaitingRuns(query: WaitQuery): Promise<string[]> {
    return this.#runs.findWaitingRuns(query);
  }
  listRuns(filter?: RunFilter): Promise<Run[]> {
    return this.#runs.listRuns(filter);
  }

  async claimEffect(key: string, kind: string, now: Date): Promise<{ record: EffectRecord; claimed: boolean }> {
    return this.#group.add(() => {
      const claimed = this.#exec.run(q.insertEffect(this.#db, key, kind, now.toISOString())) === 1;
      const row = this.#exec.first(q.selectEffect(this.#db, key));
      if (!row) throw new Error(`effect ${key}: neither inserted nor found`);
      return { record: rows.rowToEffect(row), claimed };
    });
  }

  async completeEffect(key: string, result: Record<string, unknown>): Promise<void> {
    const changed = await this.#group.add(() => this.#exec.run(q.completeEffect(this.#db, key, rows.toJson(result))));
    if (changed === 0) throw new Error(`cannot complete effect ${key}: it was never claimed`);
  }

  async recordEffects(effects: EffectDone[], now: Date): Promise<void> {
    if (effects.length > 0) await this.#group.add(() => this.#runs.recordEffects(effects, now));
  }

  async releaseEffect(key: string): Promise<void> {
    await this.#group.add(() => this.#exec.run(q.deleteClaimedEffect(this.#db, key)));
  }

  async enqueue(job: NewJob): Promise<boolean> {
    const now = this.#clock.now();
    return this.#group.add(() => this.#jobs.insert(job, now));
  }

  async claimJob(workerId: string, now: Date, leaseMs: number): Promise<Job | undefined> {
    return (await this.claimJobs(workerId, now, leaseMs, 1))[0];
  }

  async claimJobs(workerId: string, now: Date, leaseMs: number, limit: number): Promise<Job[]> {
    if (!(leaseMs > 0)) throw new RangeError(`claimJob: leaseMs must be a positive number of milliseconds, got ${leaseMs}`);
    const at = now.toISOString();
    const lockedUntil = new Date(now.getTime() + leaseMs).toISOString();
    const wanted = Math.max(1, Math.min(1_000, Math.trunc(limit)));
    // One write transaction: the picks and the leases are atomic (see SqliteJobQueue.claim).
    return this.#group.add(() => this.#jobs.claim(workerId, at, lockedUntil, wanted));
  }

  async renewLeases(workerId: string, jobIds: string[], lockedUntil: Date): Promise<string[]> {
    const now = this.#clock.now().toISOString();
    return this.#group.add(() => this.#jobs.renew(workerId, jobIds, lockedUntil, now));
  }

  async completeJob(id: string, workerId: string): Promise<boolean> {
    const now = this.#clock.now().toISOString();
    return (await this.#group.add(() => this.#jobs.finish(id, workerId, now, { status: "done" }))) > 0;
  }

  async failJob(id: string, workerId: string, error: string, retryAt?: Date): Promise<boolean> {
    const outcome = retryAt ? { status: "scheduled" as const, runAt: retryAt.toISOString(), error } : { status: "failed" as const, error };
    const now = this.#clock.now().toISOString();
    return (await this.#group.add(() => this.#jobs.finish(id, workerId, now, outcome))) > 0;
  }

  async leaseHolders(): Promise<string[]> {
    return this.#jobs.leaseHolders();
  }

  async releaseLeases(workerIds: string[]): Promise<number> {
    if (workerIds.length === 0) return 0;
    const now = this.#clock.now().toISOString();
    return this.#jobs.release(workerIds, now);
  }

  async close(): Promise<void> {
    if (!this.#sqlite.open) return;
    // Writes asked for in this turn are committed first: a caller awaiting one must not find it lost.
    this.#group.commit();
    // Kysely's driver closes the connection; closing it here too covers a driver never used.
    await this.#db.destroy();
    if (this.#sqlite.open) this.#sqlite.close();
  }
}
