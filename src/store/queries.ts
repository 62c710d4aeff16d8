import type { Expression, ExpressionBuilder, Insertable, Kysely, SqlBool } from "kysely";
import type { JobStatus, JobsTable, RunLogsTable, RunsTable, Tables } from "./schema.js";

/**
 * The store's statements, built with Kysely and free of dialect-specific SQL, so the SQLite
 * store runs them today and a Postgres store can run the same ones. Each guarantee rests on
 * one statement and a constraint (a primary key, a UNIQUE column), never on
 * search-then-insert.
 */
export type Db = Kysely<Tables>;

export const RUN_LIST_DEFAULT_LIMIT = 50;
export const RUN_LIST_MAX_LIMIT = 500;
/** How much of a job's error is kept: enough to diagnose, bounded so a huge message cannot bloat the table. */
export const JOB_ERROR_MAX_CHARS = 4_000;

/** Inserts a delivery unless its id is known (0 rows changed then). */
export function insertDelivery(db: Db, row: Insertable<Tables["deliveries"]>) {
  return db.insertInto("deliveries").values(row).onConflict((oc) => oc.column("id").doNothing());
}

/** A delivery by id. */
export function selectDelivery(db: Db, id: string) {
  return db.selectFrom("deliveries").selectAll().where("id", "=", id);
}

/** Inserts a run unless its dedupe key is taken (0 rows changed then); another id clash still fails. */
export function insertRun(db: Db, row: Insertable<RunsTable>) {
  return db.insertInto("runs").values(row).onConflict((oc) => oc.column("dedupe_key").doNothing());
}

/** A run by id, or by dedupe key. */
export function selectRun(db: Db, by: { id: string } | { dedupeKey: string }) {
  const query = db.selectFrom("runs").selectAll();
  return "id" in by ? query.where("id", "=", by.id) : query.where("dedupe_key", "=", by.dedupeKey);
}

/** Writes a run's state columns. */
export function updateRunState(db: Db, id: string, state: Partial<Insertable<RunsTable>>) {
  return db.updateTable("runs").set(state).where("id", "=", id);
}

/** Appends log rows; callers keep a batch under the driver's bound-parameter limit. */
export function insertLogs(db: Db, rows: Insertable<RunLogsTable>[]) {
  return db.insertInto("run_logs").values(rows);
}

/** The log rows of some runs, in the order they were appended. */
export function selectLogs(db: Db, runIds: string[]) {
  return db.selectFrom("run_logs").selectAll().where("run_id", "in", runIds).orderBy("id");
}

/** Runs newest first, filtered. */
export function selectRuns(db: Db, filter: { repository?: string; workflowId?: string; status?: string }, limit: number) {
  return db
    .selectFrom("runs")
    .selectAll()
    .$if(filter.repository !== undefined, (q) => q.where("repository", "=", filter.repository as string))
    .$if(filter.workflowId !== undefined, (q) => q.where("workflow_id", "=", filter.workflowId as string))
    .$if(filter.status !== undefined, (q) => q.where("status", "=", filter.status as string))
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);
}

/** Inserts a claimed effect unless the key is known (0 rows changed then). */
export function insertEffect(db: Db, key: string, kind: string, claimedAt: string) {
  return db
    .insertInto("effects")
    .values({ key, kind, status: "claimed", claimed_at: claimedAt, result: null })
    .onConflict((oc) => oc.column("key").doNothing());
}

/** An effect record by key. */
export function selectEffect(db: Db, key: string) {
  return db.selectFrom("effects").selectAll().where("key", "=", key);
}

/** Marks an effect done with its result. */
export function completeEffect(db: Db, key: string, result: string) {
  return db.updateTable("effects").set({ status: "done", result }).where("key", "=", key);
}

/** Inserts a job unless its key is taken (0 rows changed then). */
export function insertJob(db: Db, row: Insertable<JobsTable>) {
  return db.insertInto("jobs").values(row).onConflict((oc) => oc.column("key").doNothing());
}

/**
 * Takes the oldest due job in ONE statement: the sub-select picks it, the UPDATE marks it
 * running. Due means queued with `run_at <= now`, or running with a lease that ran out (its
 * worker died). Each kind is looked up on its own, so each walks the (status, run_at, id)
 * index and stops at the first row, however long the backlog; the older of the two wins.
 *
 * The due test is repeated on the UPDATE so that a claimer that lost a race (on a database
 * that re-checks a row after waiting for its lock, as Postgres does) updates nothing rather
 * than the job another claimer just took. ISO-8601 UTC strings of one format compare like the
 * times they name.
 */
export function claimJob(db: Db, claim: { workerId: string; now: string; lockedUntil: string; skipLocked?: boolean }) {
  const oldest = (status: JobStatus, due: (eb: ExpressionBuilder<Tables, "jobs">) => Expression<SqlBool>) =>
    db
      .selectFrom("jobs")
      .select(["id", "run_at"])
      .where("status", "=", status)
      .where(due)
      .orderBy("run_at")
      .orderBy("id")
      .limit(1)
      // Postgres: concurrent claimers skip each other's candidate instead of queueing on it.
      .$if(claim.skipLocked === true, (q) => q.forUpdate().skipLocked());
  const queued = oldest("queued", (eb) => eb("run_at", "<=", claim.now));
  const expired = oldest("running", (eb) => eb("locked_until", "<", claim.now));
  const next = db
    .selectFrom(
      db
        .selectFrom(queued.as("queued"))
        .select(["id", "run_at"])
        .unionAll(db.selectFrom(expired.as("expired")).select(["id", "run_at"]))
        .as("candidates"),
    )
    .select("id")
    .orderBy("run_at")
    .orderBy("id")
    .limit(1);
  return db
    .updateTable("jobs")
    .set((eb) => ({
      status: "running" as JobStatus,
      locked_by: claim.workerId,
      locked_until: claim.lockedUntil,
      attempts: eb("attempts", "+", 1),
      updated_at: claim.now,
    }))
    .where("id", "=", next)
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "queued"), eb("run_at", "<=", claim.now)]),
        eb.and([eb("status", "=", "running"), eb("locked_until", "<", claim.now)]),
      ]),
    )
    .returning(["id", "type", "payload", "attempts", "run_at"]);
}

/**
 * Finishes a running job: done, or queued again at `retryAt`, or failed for good. A job that
 * is no longer running (a worker that took over after a lease ran out finished it) is left as
 * it is.
 */
export function finishJob(db: Db, id: string, now: string, outcome: { status: "done" } | { status: "queued"; runAt: string; error: string } | { status: "failed"; error: string }) {
  return db
    .updateTable("jobs")
    .set({
      status: outcome.status,
      locked_by: null,
      locked_until: null,
      updated_at: now,
      ...(outcome.status === "queued" ? { run_at: outcome.runAt } : {}),
      ...(outcome.status === "done" ? {} : { last_error: outcome.error.slice(0, JOB_ERROR_MAX_CHARS) }),
    })
    .where("id", "=", id)
    .where("status", "=", "running");
}
