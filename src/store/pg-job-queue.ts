/**
 * The job queue on PostgreSQL, as PgStore runs it inside its write transactions (PgTransactions.write,
 * which holds the store's write lock): the same statements, in the same order, as SqliteJobQueue —
 * jobs inserted in their fair-queueing turn, scheduled jobs made due, leases taken, renewed,
 * finished and released. The caller decides which transaction each method runs in.
 */
import type { Kysely } from "kysely";
import type { Job, NewJob } from "../domain/ports.js";
import * as jq from "./job-queries.js";
import { PG_IN_BATCH, type PgExec } from "./pg-exec.js";
import * as rows from "./rows.js";
import type { Tables } from "./schema.js";


/** How a running job ends: done, scheduled again, or failed for good. */
export type JobOutcome = Parameters<typeof jq.finishJob>[4];

/**
 * The queue's logic over one write transaction at a time. It keeps no counters in memory: the
 * fair clock and the installations' finish times are read from the transaction (which sees its
 * own writes), and no other writer moves them while it holds the write lock.
 */
export class PgJobQueue {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /**
   * Inserts a job (inside a write transaction). A job due now joins the queue with a virtual
   * start time (start-time fair queueing, one slot per installation: the fair clock's present or
   * just after its installation's previous job, whichever is later); a job due later waits as
   * `scheduled` and joins the queue when it falls due. False when its key was taken, ever.
   */
  async insert(exec: PgExec, job: NewJob, now: Date): Promise<boolean> {
    const row = rows.newJobToRow(job, now);
    if (new Date(row.run_at).getTime() > now.getTime()) return (await exec.run(jq.insertJob(this.#db, { ...row, status: "scheduled" }))) === 1;
    const installation = job.installationId ?? 0;
    const start = await this.#fairStart(exec, installation);
    const inserted = (await exec.run(jq.insertJob(this.#db, { ...row, status: "queued", fair_at: start }))) === 1;
    if (inserted) await exec.run(jq.upsertInstallationFinish(this.#db, installation, start + 1));
    return inserted;
  }

  /**
   * Leases up to `wanted` jobs to a worker (inside a write transaction): the write lock makes the
   * picks and the leases atomic, so two claimers (connections or processes) never take the same job.
   */
  async claim(exec: PgExec, workerId: string, at: string, lockedUntil: string, wanted: number): Promise<Job[]> {
    await this.#promoteDue(exec, at);
    const start = await this.#virtualClock(exec);
    let clock = start;
    const jobs: Job[] = [];
    while (jobs.length < wanted) {
      const pick = (await exec.first(jq.selectExpiredLease(this.#db, at))) ?? (await exec.first(jq.selectNextQueued(this.#db, at)));
      if (!pick) break;
      const row = await exec.first(jq.leaseJob(this.#db, pick.id, { workerId, now: at, lockedUntil }));
      if (!row) break;
      clock = Math.max(clock, Number(pick.fair_at));
      jobs.push(rows.rowToJob(row));
    }
    if (clock > start) await exec.run(jq.upsertQueueState(this.#db, jq.VIRTUAL_CLOCK, clock));
    return jobs;
  }

  /** Extends the leases `workerId` still holds (inside a write transaction); returns their ids. */
  async renew(exec: PgExec, workerId: string, jobIds: string[], lockedUntil: Date, now: string): Promise<string[]> {
    const held: string[] = [];
    for (let i = 0; i < jobIds.length; i += PG_IN_BATCH) {
      for (const r of await exec.all(jq.renewLeases(this.#db, workerId, jobIds.slice(i, i + PG_IN_BATCH), lockedUntil.toISOString(), now))) held.push(r.id);
    }
    return held;
  }

  /** Records how a job held by `workerId` ended; returns the rows changed (0: the lease was lost). */
  async finish(exec: PgExec, id: string, workerId: string, now: string, outcome: JobOutcome): Promise<number> {
    return exec.run(jq.finishJob(this.#db, id, workerId, now, outcome));
  }

  /** The workers that hold running jobs. */
  async leaseHolders(exec: PgExec): Promise<string[]> {
    return (await exec.all(jq.selectLeaseHolders(this.#db))).map((r) => r.locked_by!);
  }

  /** Puts the running jobs of these workers back in the queue (inside a write transaction); returns how many. */
  async release(exec: PgExec, workerIds: string[], now: string): Promise<number> {
    let released = 0;
    for (let i = 0; i < workerIds.length; i += PG_IN_BATCH) released += await exec.run(jq.releaseLeases(this.#db, workerIds.slice(i, i + PG_IN_BATCH), now));
    return released;
  }

  async #virtualClock(exec: PgExec): Promise<number> {
    return Number((await exec.first(jq.selectQueueState(this.#db, jq.VIRTUAL_CLOCK)))?.value ?? 0);
  }

  /** A job of this installation queued now starts at the fair clock's present, or after the installation's last queued job. */
  async #fairStart(exec: PgExec, installation: number): Promise<number> {
    const clock = await this.#virtualClock(exec);
    const finish = Number((await exec.first(jq.selectInstallationFinish(this.#db, installation)))?.finish_at ?? 0);
    return Math.max(clock, finish);
  }

  /** Scheduled jobs that fell due join the queue as if enqueued now, each in its installation's turn (inside a write transaction). */
  async #promoteDue(exec: PgExec, now: string): Promise<void> {
    for (;;) {
      const due = await exec.all(jq.selectDueScheduled(this.#db, now, jq.PROMOTE_BATCH));
      if (due.length === 0) return;
      // The clock does not move while jobs are promoted: read it once per batch.
      const clock = await this.#virtualClock(exec);
      const finish = new Map<number, number>();
      for (const job of due) {
        const installation = job.installation_id ?? 0;
        const known = finish.get(installation) ?? Number((await exec.first(jq.selectInstallationFinish(this.#db, installation)))?.finish_at ?? 0);
        const start = Math.max(clock, known);
        await exec.run(jq.queueJob(this.#db, job.id, start));
        await exec.run(jq.upsertInstallationFinish(this.#db, installation, start + 1));
        finish.set(installation, start + 1);
      }
      if (due.length < jq.PROMOTE_BATCH) return;
    }
  }
}
