/**
 * The job queue on SQLite, as SqliteStore runs it inside its write transactions: jobs inserted
 * in their fair-queueing turn, scheduled jobs made due, leases taken, renewed, finished and
 * released. Every method is synchronous: the store decides which transaction it runs in.
 */
import type { Kysely } from "kysely";
import type { Job, NewJob } from "../domain/ports.js";
import * as jq from "./job-queries.js";
import * as rows from "./rows.js";
import type { Tables } from "./schema.js";
import { IN_BATCH, type SqliteExec } from "./sqlite-exec.js";


/** How a running job ends: done, scheduled again, or failed for good. */
export type JobOutcome = Parameters<typeof jq.finishJob>[4];

export class SqliteJobQueue {
  readonly #exec: SqliteExec;
  readonly #db: Kysely<Tables>;

  constructor(exec: SqliteExec, db: Kysely<Tables>) {
    this.#exec = exec;
    this.#db = db;
  }

  /** The fair clock and the installations' finish times as a group commit has read or set them (only inside its write transaction: nobody else moves them meanwhile). */
  #fair: { clock: number; finish: Map<number, number> } | undefined;

  /** Runs `fn` (inside a write transaction) with the fair-queueing counters kept in memory: nobody else can move them while this connection holds the write lock. */
  batch<T>(fn: () => T): T {
    this.#fair = { clock: this.#readVirtualClock(), finish: new Map() };
    try {
      return fn();
    } finally {
      this.#fair = undefined;
    }
  }

  /** A write of the batch failed and its savepoint rolled back: the counters are read again from what is stored. */
  reread(): void {
    this.#fair = { clock: this.#readVirtualClock(), finish: new Map() };
  }

  /**
   * Inserts a job (inside a write transaction). A job due now joins the queue with a virtual
   * start time: start-time fair queueing, one slot per installation. It starts at the fair
   * clock's present or just after its installation's previous job, whichever is later, so an
   * installation with a backlog of a thousand jobs queues them one after another while
   * another installation's first job goes in at the present, ahead of that backlog. A job
   * due later waits as `scheduled` and joins the queue when it falls due.
   */
  insert(job: NewJob, now: Date): boolean {
    const row = rows.newJobToRow(job, now);
    if (new Date(row.run_at).getTime() > now.getTime()) return this.#exec.run(jq.insertJob(this.#db, { ...row, status: "scheduled" })) === 1;
    const installation = job.installationId ?? 0;
    const start = this.#fairStart(installation);
    const inserted = this.#exec.run(jq.insertJob(this.#db, { ...row, status: "queued", fair_at: start })) === 1;
    if (inserted) this.#setInstallationFinish(installation, start + 1);
    return inserted;
  }

  /**
   * Leases up to `wanted` jobs to a worker (inside a write transaction): SQLite's single write
   * lock makes the picks and the leases atomic, so two claimers (connections or processes)
   * never take the same job.
   */
  claim(workerId: string, at: string, lockedUntil: string, wanted: number): Job[] {
    this.#promoteDue(at);
    let clock = this.#virtualClock();
    const start = clock;
    const jobs: Job[] = [];
    while (jobs.length < wanted) {
      const pick = this.#exec.first(jq.selectExpiredLease(this.#db, at)) ?? this.#exec.first(jq.selectNextQueued(this.#db, at));
      if (!pick) break;
      const row = this.#exec.first(jq.leaseJob(this.#db, pick.id, { workerId, now: at, lockedUntil }));
      if (!row) break;
      clock = Math.max(clock, Number(pick.fair_at));
      jobs.push(rows.rowToJob(row));
    }
    if (clock > start) this.#setVirtualClock(clock);
    return jobs;
  }

  /** Extends the leases `workerId` still holds (inside a write transaction); returns their ids. */
  renew(workerId: string, jobIds: string[], lockedUntil: Date, now: string): string[] {
    const held: string[] = [];
    for (let i = 0; i < jobIds.length; i += IN_BATCH) {
      for (const r of this.#exec.all(jq.renewLeases(this.#db, workerId, jobIds.slice(i, i + IN_BATCH), lockedUntil.toISOString(), now))) held.push(r.id);
    }
    return held;
  }

  /** Records how a job held by `workerId` ended; returns the rows changed (0: the lease was lost). */
  finish(id: string, workerId: string, now: string, outcome: JobOutcome): number {
    return this.#exec.run(jq.finishJob(this.#db, id, workerId, now, outcome));
  }

  /** The workers that hold running jobs. */
  leaseHolders(): string[] {
    return this.#exec.all(jq.selectLeaseHolders(this.#db)).map((r) => r.locked_by!);
  }

  /** Puts the running jobs of these workers back in the queue, in a write transaction of its own; returns how many. */
  release(workerIds: string[], now: string): number {
    return this.#exec.write(() => {
      let released = 0;
      for (let i = 0; i < workerIds.length; i += IN_BATCH) released += this.#exec.run(jq.releaseLeases(this.#db, workerIds.slice(i, i + IN_BATCH), now));
      return released;
    });
  }

  /** The fair clock: as this write transaction last set it, or as stored. */
  #virtualClock(): number {
    return this.#fair?.clock ?? this.#readVirtualClock();
  }

  #readVirtualClock(): number {
    return Number(this.#exec.first(jq.selectQueueState(this.#db, jq.VIRTUAL_CLOCK))?.value ?? 0);
  }

  #setVirtualClock(value: number): void {
    this.#exec.run(jq.upsertQueueState(this.#db, jq.VIRTUAL_CLOCK, value));
    if (this.#fair) this.#fair.clock = value;
  }

  #setInstallationFinish(installation: number, finishAt: number): void {
    this.#exec.run(jq.upsertInstallationFinish(this.#db, installation, finishAt));
    this.#fair?.finish.set(installation, finishAt);
  }

  /** A job of this installation queued now starts at the fair clock's present, or after the installation's last queued job. */
  #fairStart(installation: number): number {
    const clock = this.#virtualClock();
    const known = this.#fair?.finish.get(installation);
    return Math.max(clock, known ?? Number(this.#exec.first(jq.selectInstallationFinish(this.#db, installation))?.finish_at ?? 0));
  }

  /** Scheduled jobs that fell due join the queue as if enqueued now, each in its installation's turn (inside a write transaction). */
  #promoteDue(now: string): void {
    for (;;) {
      const due = this.#exec.all(jq.selectDueScheduled(this.#db, now, jq.PROMOTE_BATCH));
      for (const job of due) {
        const installation = job.installation_id ?? 0;
        const start = this.#fairStart(installation);
        this.#exec.run(jq.queueJob(this.#db, job.id, start));
        this.#setInstallationFinish(installation, start + 1);
      }
      if (due.length < jq.PROMOTE_BATCH) return;
    }
  }
}
