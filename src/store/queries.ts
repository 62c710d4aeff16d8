import { sql, type Insertable, type Kysely, type RawBuilder } from "kysely";
import { definedFields, keyed, keyedInsert, keyedInsertRows } from "./keyed.js";
import type { JobStatus, JobsTable, RunLogsTable, RunsTable, RunWaitsTable, Tables } from "./schema.js";

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

/** A job status as a literal, not a parameter: only then can the planner use the partial index of that status. */
function status(value: JobStatus): RawBuilder<JobStatus> {
  return sql.lit(value);
}

/** Inserts a delivery unless its id is known (0 rows changed then). */
export function insertDelivery(db: Db, row: Insertable<Tables["deliveries"]>) {
  return keyedInsert("insertDelivery", row, (r) => db.insertInto("deliveries").values(r).onConflict((oc) => oc.column("id").doNothing()));
}

/** A delivery by id. */
export function selectDelivery(db: Db, id: string) {
  return db.selectFrom("deliveries").selectAll().where("id", "=", id);
}

/** Inserts a run unless its dedupe key is taken (0 rows changed then); another id clash still fails. */
export function insertRun(db: Db, row: Insertable<RunsTable>) {
  return keyedInsert("insertRun", row, (r) => db.insertInto("runs").values(r).onConflict((oc) => oc.column("dedupe_key").doNothing()));
}

/** A run by id, or by dedupe key. */
export function selectRun(db: Db, by: { id: string } | { dedupeKey: string }) {
  const query = () => db.selectFrom("runs").selectAll();
  return "id" in by
    ? keyed("selectRun(id)", [by.id], () => query().where("id", "=", by.id))
    : keyed("selectRun(dedupe_key)", [by.dedupeKey], () => query().where("dedupe_key", "=", by.dedupeKey));
}

/** Writes a run's state columns. */
export function updateRunState(db: Db, id: string, state: Partial<Insertable<RunsTable>>) {
  return db.updateTable("runs").set(state).where("id", "=", id);
}

/** Appends log rows; callers keep a batch under the driver's bound-parameter limit. */
export function insertLogs(db: Db, rows: Insertable<RunLogsTable>[]) {
  return keyedInsertRows("insertLogs", rows, (r) => db.insertInto("run_logs").values(r));
}

/** The log rows of some runs, in the order they were appended. */
export function selectLogs(db: Db, runIds: string[]) {
  return keyed(`selectLogs(${runIds.length})`, runIds, () => db.selectFrom("run_logs").selectAll().where("run_id", "in", runIds).orderBy("id"));
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
  return keyed("insertEffect", [key, kind, "claimed", claimedAt, null], () =>
    db
      .insertInto("effects")
      .values({ key, kind, status: "claimed", claimed_at: claimedAt, result: null })
      .onConflict((oc) => oc.column("key").doNothing()),
  );
}

/** An effect record by key. */
export function selectEffect(db: Db, key: string) {
  return keyed("selectEffect", [key], () => db.selectFrom("effects").selectAll().where("key", "=", key));
}

/** Marks an effect done with its result. */
export function completeEffect(db: Db, key: string, result: string) {
  return keyed("completeEffect", ["done", result, key], () => db.updateTable("effects").set({ status: "done", result }).where("key", "=", key));
}

/** Records an effect done, claimed before or not. */
export function upsertDoneEffect(db: Db, effect: { key: string; kind: string; result: string }, now: string) {
  return keyed("upsertDoneEffect", [effect.key, effect.kind, "done", now, effect.result, "done"], () =>
    db
      .insertInto("effects")
      .values({ key: effect.key, kind: effect.kind, status: "done", claimed_at: now, result: effect.result })
      .onConflict((oc) => oc.column("key").doUpdateSet({ status: "done", result: (eb) => eb.ref("excluded.result") })),
  );
}

/** Drops an effect claim that was never completed. */
export function deleteClaimedEffect(db: Db, key: string) {
  return db.deleteFrom("effects").where("key", "=", key).where("status", "=", "claimed");
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

/** Writes a run's state only over the version its writer read; bumps the version. */
export function commitRunState(db: Db, id: string, expectedVersion: number, state: Partial<Insertable<RunsTable>>) {
  const set = { ...definedFields(state), version: expectedVersion + 1 };
  return keyed(`commitRunState(${Object.keys(set).join(",")})`, [...Object.values(set), id, expectedVersion], () =>
    db.updateTable("runs").set(set).where("id", "=", id).where("version", "=", expectedVersion),
  );
}

/** A run's version. */
export function selectRunVersion(db: Db, id: string) {
  return keyed("selectRunVersion", [id], () =>
    db.selectFrom("runs").select("version").where("id", "=", id),
  );
}

/** Drops a run's wait index entries. */
export function deleteWaits(db: Db, runId: string) {
  return keyed("deleteWaits", [runId], () =>
    db.deleteFrom("run_waits").where("run_id", "=", runId),
  );
}

/** Adds wait index entries. */
export function insertWaits(db: Db, rows: Insertable<RunWaitsTable>[]) {
  return keyedInsertRows("insertWaits", rows, (r) => db.insertInto("run_waits").values(r).onConflict((oc) => oc.doNothing()));
}

/** The runs with a wait for this event on one of these targets, in one repository. */
export function selectWaitingRuns(db: Db, query: { repository: string; event: string; targets: string[] }) {
  return db
    .selectFrom("run_waits")
    .select("run_id")
    .distinct()
    .where("repository", "=", query.repository)
    .where("event", "=", query.event)
    .where("target", "in", query.targets)
    .orderBy("run_id")
    .limit(RUN_LIST_MAX_LIMIT);
}

/** Marks an installation indexed. */
export function upsertInstallationIndexed(db: Db, installationId: number, at: string) {
  return db
    .insertInto("installation_index")
    .values({ installation_id: installationId, indexed_at: at })
    .onConflict((oc) => oc.column("installation_id").doUpdateSet({ indexed_at: at }));
}

/** Which of these installations were indexed. */
export function selectIndexedInstallations(db: Db, installationIds: number[]) {
  return db.selectFrom("installation_index").select("installation_id").where("installation_id", "in", installationIds);
}
