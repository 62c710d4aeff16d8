/**
 * Runs on SQLite: the Store methods that SqliteStore hands on to this class (createRun, getRun,
 * commitRun, findWaitingRuns, listRuns), with their log rows and wait index entries, and the
 * effect records a commit writes. Writes go through the store's group commit.
 */
import type { Kysely, Selectable } from "kysely";
import type { Clock, EffectDone, JobHolder, RunCommitExtras, RunCommitResult, RunFilter, WaitQuery } from "../domain/ports.js";
import type { LogEntry, Run } from "../domain/run.js";
import * as q from "./queries.js";
import { clampLimit } from "./store-rules.js";
import * as rows from "./rows.js";
import type { RunLogsTable, Tables } from "./schema.js";
import { IN_BATCH, type SqliteExec } from "./sqlite-exec.js";
import type { GroupCommit } from "./sqlite-group-commit.js";
import type { SqliteJobQueue } from "./sqlite-job-queue.js";

/** Rows per multi-row INSERT: 5 parameters each, far below SQLite's bound-parameter limit. */
const LOG_BATCH = 500;

export class SqliteRuns {
  readonly #exec: SqliteExec;
  readonly #db: Kysely<Tables>;
  readonly #clock: Clock;
  readonly #group: GroupCommit;
  readonly #jobs: SqliteJobQueue;

  constructor(exec: SqliteExec, db: Kysely<Tables>, clock: Clock, group: GroupCommit, jobs: SqliteJobQueue) {
    this.#exec = exec;
    this.#db = db;
    this.#clock = clock;
    this.#group = group;
    this.#jobs = jobs;
  }

  async createRun(run: Run, options: { heldBy?: JobHolder } = {}): Promise<{ run: Run; created: boolean; held?: boolean }> {
    const now = this.#clock.now().toISOString();
    return this.#group.add(() => {
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
    return this.#group.add(() => {
      if (this.#exec.run(q.commitRunState(this.#db, run.id, expected, rows.runStateToRow(run))) === 0) {
        // Nothing written: another writer moved the run on (or it does not exist).
        return { committed: false, storedVersion: this.#exec.first(q.selectRunVersion(this.#db, run.id))?.version };
      }
      this.#insertLogs(run.id, extras.log ?? []);
      this.#exec.run(q.deleteWaits(this.#db, run.id));
      this.#insertWaits(run);
      for (const job of extras.jobs ?? []) this.#jobs.insert(job, now);
      this.recordEffects(extras.effects ?? [], now);
      return { committed: true, version: expected + 1 };
    });
  }

  async findWaitingRuns(query: WaitQuery): Promise<string[]> {
    if (query.targets.length === 0) return [];
    const targets = [...new Set(query.targets.map((t) => rows.waitTarget(query.event, t)))].slice(0, IN_BATCH);
    return this.#exec.all(q.selectWaitingRuns(this.#db, { ...query, targets })).map((r) => r.run_id);
  }

  async listRuns(filter: RunFilter = {}): Promise<Run[]> {
    const limit = clampLimit(filter.limit, q.RUN_LIST_DEFAULT_LIMIT, q.RUN_LIST_MAX_LIMIT);
    const before = filter.before;
    if (before !== undefined && (typeof before !== "object" || before === null || typeof before.createdAt !== "string" || typeof before.id !== "string")) {
      throw new TypeError("listRuns: before must be { createdAt, id } of a listed run");
    }
    return this.#exec.read(() => {
      const runRows = this.#exec.all(q.selectRuns(this.#db, filter, limit));
      if (runRows.length === 0) return [];
      // A listing without logs reads no log rows at all.
      if (filter.withoutLog) return runRows.map((r) => rows.rowToRun(r, []));
      const logs = new Map(runRows.map((r) => [r.id, [] as Selectable<RunLogsTable>[]]));
      for (const log of this.#exec.all(q.selectLogs(this.#db, [...logs.keys()]))) logs.get(log.run_id)?.push(log);
      return runRows.map((r) => rows.rowToRun(r, logs.get(r.id) ?? []));
    });
  }

  /** Records effects done (claimed or not), inside the caller's write transaction. */
  recordEffects(effects: EffectDone[], now: Date): void {
    for (const effect of effects) this.#exec.run(q.upsertDoneEffect(this.#db, { key: effect.key, kind: effect.kind, result: rows.toJson(effect.result) }, now.toISOString()));
  }

  #readRun(by: { id: string } | { dedupeKey: string }): Run | undefined {
    const row = this.#exec.first(q.selectRun(this.#db, by));
    return row && rows.rowToRun(row, this.#exec.all(q.selectLogs(this.#db, [row.id])));
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
