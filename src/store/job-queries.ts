// The job queue's statements (jobs, leases, the fair-queueing counters): portable Kysely, like
// queries.ts, which re-exports them. Each guarantee rests on one statement and a constraint.
import { sql, type Insertable, type RawBuilder } from "kysely";
import { keyed, keyedInsert } from "./keyed.js";
import type { Db, JobStatus, JobsTable } from "./schema.js";

/** How much of a job's error is kept: enough to diagnose, bounded so a huge message cannot bloat the table. */
export const JOB_ERROR_MAX_CHARS = 4_000;

/** A job status as a literal, not a parameter: only then can the planner use the partial index of that status. */
function status(value: JobStatus): RawBuilder<JobStatus> {
  return sql.lit(value);
}

/** Inserts a job unless its key is taken (0 rows changed then). */
export function insertJob(db: Db, row: Insertable<JobsTable>) {
  return keyedInsert("insertJob", row, (r) => db.insertInto("jobs").values(r).onConflict((oc) => oc.column("key").doNothing()));
}

/** Scheduled jobs whose time has come, longest due first. */
export function selectDueScheduled(db: Db, now: string, limit: number) {
  return keyed("selectDueScheduled", [now, limit], () =>
    db.selectFrom("jobs").select(["id", "installation_id"]).where("status", "=", status("scheduled")).where("run_at", "<=", now).orderBy("run_at").orderBy("id").limit(limit),
  );
}

/** A scheduled job joins the queue at its virtual start time. */
export function queueJob(db: Db, id: string, fairAt: number) {
  return keyed("queueJob", ["queued", fairAt, id, "scheduled"], () =>
    db.updateTable("jobs").set({ status: "queued", fair_at: fairAt }).where("id", "=", id).where("status", "=", "scheduled"),
  );
}

/** The running job whose lease ran out first (its worker stopped or vanished), if any. */
export function selectExpiredLease(db: Db, now: string) {
  return keyed("selectExpiredLease", [now, 1], () =>
    db.selectFrom("jobs").select(["id", "fair_at"]).where("status", "=", status("running")).where("locked_until", "<", now).orderBy("locked_until").limit(1),
  );
}

/**
 * The queued job to serve next: by priority, then by virtual start time (fair across
 * installations), then the longest due, then in the order enqueued; skipping a job whose concurrency key (its run)
 * is held by a running job with a live lease.
 */
export function selectNextQueued(db: Db, now: string) {
  return keyed("selectNextQueued", [now, 1], () =>
    db
    .selectFrom("jobs as j")
    .select(["j.id", "j.fair_at"])
    .where("j.status", "=", status("queued"))
    .where((eb) =>
      eb.or([
        eb("j.concurrency_key", "is", null),
        eb.not(
          eb.exists(
            eb
              .selectFrom("jobs as r")
              .select("r.id")
              .whereRef("r.concurrency_key", "=", "j.concurrency_key")
              .where("r.status", "=", status("running"))
              .where("r.locked_until", ">=", now),
          ),
        ),
      ]),
    )
    .orderBy("j.priority")
    .orderBy("j.fair_at")
    .orderBy("j.run_at")
    .orderBy("j.id")
    .limit(1),
  );
}

/** Leases a job to a worker (queued, or running with a lease that ran out) and counts the attempt. */
export function leaseJob(db: Db, id: string, claim: { workerId: string; now: string; lockedUntil: string }) {
  return keyed("leaseJob", ["running", claim.workerId, claim.lockedUntil, 1, claim.now, id, "queued", "running", claim.now], () =>
    db
    .updateTable("jobs")
    .set((eb) => ({
      status: "running" as JobStatus,
      locked_by: claim.workerId,
      locked_until: claim.lockedUntil,
      attempts: eb("attempts", "+", 1),
      updated_at: claim.now,
    }))
    .where("id", "=", id)
    .where((eb) => eb.or([eb("status", "=", "queued"), eb.and([eb("status", "=", "running"), eb("locked_until", "<", claim.now)])]))
    .returning(["id", "type", "payload", "attempts", "run_at", "max_attempts", "installation_id"]),
  );
}

/**
 * Finishes a running job held by `workerId`: done, scheduled again at `retryAt`, or failed for
 * good. A job another worker holds now (this one's lease ran out and was taken over) is left as it is.
 */
export function finishJob(
  db: Db,
  id: string,
  workerId: string,
  now: string,
  outcome: { status: "done" } | { status: "scheduled"; runAt: string; error: string } | { status: "failed"; error: string },
) {
  return keyed(`finishJob(${outcome.status})`, [outcome.status, null, null, now, ...(outcome.status === "scheduled" ? [outcome.runAt] : []), ...(outcome.status === "done" ? [] : [outcome.error.slice(0, JOB_ERROR_MAX_CHARS)]), id, "running", workerId], () =>
    db
    .updateTable("jobs")
    .set({
      status: outcome.status,
      locked_by: null,
      locked_until: null,
      updated_at: now,
      ...(outcome.status === "scheduled" ? { run_at: outcome.runAt } : {}),
      ...(outcome.status === "done" ? {} : { last_error: outcome.error.slice(0, JOB_ERROR_MAX_CHARS) }),
    })
    .where("id", "=", id)
    .where("status", "=", "running")
    .where("locked_by", "=", workerId),
  );
}

/** A running job takes a concurrency key (a run it executes itself), if its worker still holds it. */
export function holdConcurrencyKey(db: Db, holder: { jobId: string; workerId: string }, key: string, now: string) {
  return keyed("holdConcurrencyKey", [key, now, holder.jobId, holder.workerId], () =>
    db
    .updateTable("jobs")
    .set({ concurrency_key: key, updated_at: now })
    .where("id", "=", holder.jobId)
    .where("status", "=", status("running"))
    .where("locked_by", "=", holder.workerId),
  );
}

/** Extends the leases a worker still holds; returns their ids. */
export function renewLeases(db: Db, workerId: string, ids: string[], lockedUntil: string, now: string) {
  return keyed(`renewLeases(${ids.length})`, [lockedUntil, now, ...ids, "running", workerId], () =>
    db
    .updateTable("jobs")
    .set({ locked_until: lockedUntil, updated_at: now })
    .where("id", "in", ids)
    .where("status", "=", "running")
    .where("locked_by", "=", workerId)
    .returning("id"),
  );
}

/** The workers holding running jobs. */
export function selectLeaseHolders(db: Db) {
  return db.selectFrom("jobs").select("locked_by").distinct().where("status", "=", status("running")).where("locked_by", "is not", null);
}

/** Puts the running jobs of some workers back in the queue (their attempt stays counted). */
export function releaseLeases(db: Db, workerIds: string[], now: string) {
  return db
    .updateTable("jobs")
    .set({ status: "queued", locked_by: null, locked_until: null, updated_at: now })
    .where("status", "=", "running")
    .where("locked_by", "in", workerIds);
}

/** A named counter of the queue. */
export function selectQueueState(db: Db, name: string) {
  return keyed("selectQueueState", [name], () =>
    db.selectFrom("queue_state").select("value").where("name", "=", name),
  );
}

/** Sets a named counter of the queue. */
export function upsertQueueState(db: Db, name: string, value: number) {
  return keyed("upsertQueueState", [name, value, value], () =>
    db
    .insertInto("queue_state")
    .values({ name, value })
    .onConflict((oc) => oc.column("name").doUpdateSet({ value })),
  );
}

/** An installation's virtual finish time. */
export function selectInstallationFinish(db: Db, installationId: number) {
  return keyed("selectInstallationFinish", [installationId], () =>
    db.selectFrom("installation_queues").select("finish_at").where("installation_id", "=", installationId),
  );
}

/** Sets an installation's virtual finish time. */
export function upsertInstallationFinish(db: Db, installationId: number, finishAt: number) {
  return keyed("upsertInstallationFinish", [installationId, finishAt, finishAt], () =>
    db
    .insertInto("installation_queues")
    .values({ installation_id: installationId, finish_at: finishAt })
    .onConflict((oc) => oc.column("installation_id").doUpdateSet({ finish_at: finishAt })),
  );
}

/** The fair-queueing clock: the virtual start time of the latest job served (a queue_state row). */
export const VIRTUAL_CLOCK = "virtual_clock";
/** Scheduled jobs made due per statement when they fall due. */
export const PROMOTE_BATCH = 500;
