/**
 * Runs on PostgreSQL: the Store methods PgStore hands on to this class (createRun, getRun,
 * commitRun, findWaitingRuns, listRuns), with their log rows and wait index entries, and the
 * effect records a commit writes. The statements of SqliteRuns, in its order: writes in one
 * write transaction (the store's write lock held), reads in one snapshot.
 */
import type { Kysely, Selectable } from "kysely";
import type { Clock, EffectDone, JobHolder, RunCommitExtras, RunCommitResult, RunFilter, WaitQuery } from "../domain/ports.js";
import type { LogEntry, Run } from "../domain/run.js";
import { PG_IN_BATCH, type PgExec, type PgTransactions } from "./pg-exec.js";
import type { PgJobQueue } from "./pg-job-queue.js";
import * as q from "./queries.js";
import { clampLimit } from "./store-rules.js";
import * as rows from "./rows.js";
import type { RunLogsTable, Tables } from "./schema.js";

/** Rows per multi-row INSERT: 7 parameters at most each, far below Postgres's 65,535. */
const LOG_BATCH = 500;
/** Targets a wait look-up takes at most (as SqliteRuns: its IN list). */
const WAIT_TARGETS = 500;

export class PgRuns {
  readonly #tx: PgTransactions;
  readonly #db: Kysely<Tables>;
  readonly #clock: Clock;
  readonly #jobs: PgJobQueue;

  constructor(tx: PgTransactions, clock: Clock, jobs: PgJobQueue) {
    this.#tx = tx;
    this.#db = tx.db;
    this.#clock = clock;
    this.#jobs = jobs;
  }

  async createRun(run: Run, options: { heldBy?: JobHolder } = {}): Promise<{ run: Run; created: boolean; held?: boolean }> {
    const now = this.#clock.now().toISOString();
    return this.#tx.write(async (exec) => {
      const created = (await exec.run(q.insertRun(this.#db, rows.runToRow(run)))) === 1;
      let held: boolean | undefined;
      if (created) {
        await this.#insertLogs(exec, run.id, run.log);
        await this.#insertWaits(exec, run);
        // The job takes the run's concurrency key in the same transaction: no other job of the run starts meanwhile.
        if (options.heldBy) held = (await exec.run(q.holdConcurrencyKey(this.#db, options.heldBy, run.id, now))) === 1;
      }
      // A new run is what was inserted: no need to read it back.
      const stored = created ? { ...run, version: 1 } : await this.#readRun(exec, { dedupeKey: run.dedupeKey });
      if (!stored) throw new Error(`run ${run.id}: neither inserted nor found by its dedupe key`);
      return { run: stored, created, ...(held === undefined ? {} : { held }) };
    });
  }

  async getRun(id: string): Promise<Run | undefined> {
    // The run and its log from one snapshot: never a log line a commit after that state wrote.
    return this.#tx.read((exec) => this.#readRun(exec, { id }));
  }

  async commitRun(run: Run, extras: RunCommitExtras = {}): Promise<RunCommitResult> {
    const expected = run.version ?? 1;
    const now = this.#clock.now();
    return this.#tx.write(async (exec) => {
      if ((await exec.run(q.commitRunState(this.#db, run.id, expected, rows.runStateToRow(run)))) === 0) {
        // Nothing written: another writer moved the run on (or it does not exist).
        return { committed: false, storedVersion: (await exec.first(q.selectRunVersion(this.#db, run.id)))?.version };
      }
      await this.#insertLogs(exec, run.id, extras.log ?? []);
      await exec.run(q.deleteWaits(this.#db, run.id));
      await this.#insertWaits(exec, run);
      for (const job of extras.jobs ?? []) await this.#jobs.insert(exec, job, now);
      await this.recordEffects(exec, extras.effects ?? [], now);
      return { committed: true, version: expected + 1 };
    });
  }

  async findWaitingRuns(query: WaitQuery): Promise<string[]> {
    if (query.targets.length === 0) return [];
    const targets = [...new Set(query.targets.map((t) => rows.waitTarget(query.event, t)))].slice(0, WAIT_TARGETS);
    return (await this.#tx.exec.all(q.selectWaitingRuns(this.#db, { ...query, targets }))).map((r) => r.run_id);
  }

  async listRuns(filter: RunFilter = {}): Promise<Run[]> {
    const limit = clampLimit(filter.limit, q.RUN_LIST_DEFAULT_LIMIT, q.RUN_LIST_MAX_LIMIT);
    const before = filter.before;
    if (before !== undefined && (typeof before !== "object" || before === null || typeof before.createdAt !== "string" || typeof before.id !== "string")) {
      throw new TypeError("listRuns: before must be { createdAt, id } of a listed run");
    }
    return this.#tx.read(async (exec) => {
      const runRows = await exec.all(q.selectRuns(this.#db, filter, limit));
      if (runRows.length === 0) return [];
      // A listing without logs reads no log rows at all.
      if (filter.withoutLog) return runRows.map((r) => rows.rowToRun(r, []));
      const logs = new Map(runRows.map((r) => [r.id, [] as Selectable<RunLogsTable>[]]));
      const ids = [...logs.keys()];
      for (let i = 0; i < ids.length; i += PG_IN_BATCH) {
        for (const log of await exec.all(q.selectLogs(this.#db, ids.slice(i, i + PG_IN_BATCH)))) logs.get(log.run_id)?.push(log);
      }
      return runRows.map((r) => rows.rowToRun(r, logs.get(r.id) ?? []));
    });
  }

  /** Records effects done (claimed or not), inside the caller's write transaction. */
  async recordEffects(exec: PgExec, effects: EffectDone[], now: Date): Promise<void> {
    for (const effect of effects) await exec.run(q.upsertDoneEffect(this.#db, { key: effect.key, kind: effect.kind, result: rows.toJson(effect.result) }, now.toISOString()));
  }

  async #readRun(exec: PgExec, by: { id: string } | { dedupeKey: string }): Promise<Run | undefined> {
    const row = await exec.first(q.selectRun(this.#db, by));
    return row && rows.rowToRun(row, await exec.all(q.selectLogs(this.#db, [row.id])));
  }

  async #insertWaits(exec: PgExec, run: Run): Promise<void> {
    const waits = rows.waitRowsOf(run);
    for (let i = 0; i < waits.length; i += LOG_BATCH) await exec.run(q.insertWaits(this.#db, waits.slice(i, i + LOG_BATCH)));
  }

  async #insertLogs(exec: PgExec, runId: string, entries: LogEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += LOG_BATCH) {
      const batch = entries.slice(i, i + LOG_BATCH).map((e) => rows.logEntryToRow(runId, e));
      await exec.run(q.insertLogs(this.#db, batch));
    }
  }
}
