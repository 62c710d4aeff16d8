/**
 * The core of the Store on PostgreSQL: opening (and migrating) the database, and PgStoreCore,
 * which keeps deliveries and effects and hands on runs (PgRuns), the job queue (PgJobQueue) and
 * the metrics' figures (PgFigures).
 * PgStore (pg-store.ts) adds the parts it hands on to pg-tasks, pg-schedules, pg-catalogue and
 * pg-retention. Every write is one write transaction under the store's write lock (PgTransactions),
 * porting SqliteStore statement for statement.
 */
import type { Migration } from "kysely";
import type { Delivery } from "../domain/events.js";
import type { QueueFigures } from "../domain/figures-port.js";
import type { Clock, EffectDone, EffectRecord, Job, JobHolder, NewJob, RunCommitExtras, RunCommitResult, RunFilter, WaitQuery } from "../domain/ports.js";
import type { Run, RunStatus } from "../domain/run.js";
import { migrations as allMigrations } from "./migrations.js";
import { openPostgres, parsePostgresUrl, type PostgresDatabase } from "./pg-connection.js";
import { PgTransactions } from "./pg-exec.js";
import { PgFigures } from "./pg-figures.js";
import { PgJobQueue } from "./pg-job-queue.js";
import { migratePostgres } from "./pg-migrate.js";
import { PgRuns } from "./pg-runs.js";
import * as q from "./queries.js";
import * as rows from "./rows.js";

export interface PgStoreOptions {
  /** The clock for the times the store picks itself: a job's default run time, `updated_at`. */
  clock?: Clock;
  /** The schema's migrations (default: all of `migrations.ts`; tests pass others). */
  migrations?: Record<string, Migration>;
  /** Connections in the pool (default 10). */
  max?: number;
}

export const systemClock: Clock = { now: () => new Date() };

/** Parses a postgres:// URL, opens its pool and migrates the schema; the pool is closed again when that fails. */
export async function openMigratedPostgres(databaseUrl: string, options: PgStoreOptions = {}): Promise<PostgresDatabase> {
  const database = openPostgres(parsePostgresUrl(databaseUrl), options.max === undefined ? {} : { max: options.max });
  try {
    await migratePostgres(database.db, database.target, options.migrations ?? allMigrations);
    return database;
  } catch (err) {
    await database.close();
    throw err;
  }
}

export class PgStoreCore {
  protected readonly database: PostgresDatabase;
  protected readonly tx: PgTransactions;
  protected readonly clock: Clock;
  readonly #jobs: PgJobQueue;
  readonly #runs: PgRuns;
  readonly #figures: PgFigures;

  constructor(database: PostgresDatabase, clock: Clock = systemClock) {
    this.database = database;
    this.tx = new PgTransactions(database.db);
    this.clock = clock;
    this.#jobs = new PgJobQueue(database.db);
    this.#runs = new PgRuns(this.tx, clock, this.#jobs);
    this.#figures = new PgFigures(this.tx);
  }

  /** The delivery and its job in one write transaction; a known id inserts nothing, so it enqueues nothing either. */
  async acceptDelivery(delivery: Delivery, options: { payloadText?: string } = {}): Promise<boolean> {
    const now = this.clock.now();
    // Due when it arrived, so a worker whose clock is the handler's clock sees it at once.
    const received = new Date(delivery.receivedAt);
    const runAt = Number.isNaN(received.getTime()) ? now : received;
    const job: NewJob = { type: "delivery", payload: { deliveryId: delivery.id }, key: `delivery:${delivery.id}`, runAt, installationId: delivery.installationId };
    const row = rows.deliveryToRow(delivery, options.payloadText);
    return this.tx.write(async (exec) => {
      // The primary key decides: a replay inserts nothing, so it enqueues nothing either.
      if ((await exec.run(q.insertDelivery(this.tx.db, row))) === 0) return false;
      await this.#jobs.insert(exec, job, now);
      return true;
    });
  }

  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = await this.tx.exec.first(q.selectDelivery(this.tx.db, id));
    return row && rows.rowToDelivery(row);
  }

  // Runs: see PgRuns.
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
    return this.tx.write(async (exec) => {
      const claimed = (await exec.run(q.insertEffect(this.tx.db, key, kind, now.toISOString()))) === 1;
      const row = await exec.first(q.selectEffect(this.tx.db, key));
      if (!row) throw new Error(`effect ${key}: neither inserted nor found`);
      return { record: rows.rowToEffect(row), claimed };
    });
  }

  async completeEffect(key: string, result: Record<string, unknown>): Promise<void> {
    const changed = await this.tx.write((exec) => exec.run(q.completeEffect(this.tx.db, key, rows.toJson(result))));
    if (changed === 0) throw new Error(`cannot complete effect ${key}: it was never claimed`);
  }

  async recordEffects(effects: EffectDone[], now: Date): Promise<void> {
    if (effects.length > 0) await this.tx.write((exec) => this.#runs.recordEffects(exec, effects, now));
  }

  async releaseEffect(key: string): Promise<void> {
    await this.tx.write((exec) => exec.run(q.deleteClaimedEffect(this.tx.db, key)));
  }

  async enqueue(job: NewJob): Promise<boolean> {
    const now = this.clock.now();
    return this.tx.write((exec) => this.#jobs.insert(exec, job, now));
  }

  async claimJob(workerId: string, now: Date, leaseMs: number): Promise<Job | undefined> {
    return (await this.claimJobs(workerId, now, leaseMs, 1))[0];
  }

  async claimJobs(workerId: string, now: Date, leaseMs: number, limit: number): Promise<Job[]> {
    if (!(leaseMs > 0)) throw new RangeError(`claimJob: leaseMs must be a positive number of milliseconds, got ${leaseMs}`);
    const at = now.toISOString();
    const lockedUntil = new Date(now.getTime() + leaseMs).toISOString();
    const wanted = Math.max(1, Math.min(1_000, Math.trunc(limit)));
    // One write transaction under the write lock: the picks and the leases are atomic.
    return this.tx.write((exec) => this.#jobs.claim(exec, workerId, at, lockedUntil, wanted));
  }

  async renewLeases(workerId: string, jobIds: string[], lockedUntil: Date): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const now = this.clock.now().toISOString();
    return this.tx.write((exec) => this.#jobs.renew(exec, workerId, jobIds, lockedUntil, now));
  }

  async completeJob(id: string, workerId: string): Promise<boolean> {
    const now = this.clock.now().toISOString();
    return (await this.tx.write((exec) => this.#jobs.finish(exec, id, workerId, now, { status: "done" }))) > 0;
  }

  async failJob(id: string, workerId: string, error: string, retryAt?: Date): Promise<boolean> {
    const outcome = retryAt ? { status: "scheduled" as const, runAt: retryAt.toISOString(), error } : { status: "failed" as const, error };
    const now = this.clock.now().toISOString();
    return (await this.tx.write((exec) => this.#jobs.finish(exec, id, workerId, now, outcome))) > 0;
  }

  async leaseHolders(): Promise<string[]> {
    return this.#jobs.leaseHolders(this.tx.exec);
  }

  async releaseLeases(workerIds: string[]): Promise<number> {
    if (workerIds.length === 0) return 0;
    const now = this.clock.now().toISOString();
    return this.tx.write((exec) => this.#jobs.release(exec, workerIds, now));
  }

  // The metrics' figures: see PgFigures.
  queueFigures(now: Date): Promise<QueueFigures> {
    return this.#figures.queueFigures(now);
  }
  runCounts(): Promise<Record<RunStatus, number>> {
    return this.#figures.runCounts();
  }

  /** Closes the pool (idempotent): the writes asked for so far are committed first (a caller awaiting one must not find it lost); later ones fail. */
  async close(): Promise<void> {
    await this.tx.idle();
    await this.database.close();
  }
}
