// The store's statements for deliveries, runs, effects, waits and the installation index; the job
// queue's are in job-queries.ts, re-exported here so that callers import every statement from one place.
import type { Insertable } from "kysely";
import { definedFields, keyed, keyedInsert, keyedInsertRows } from "./keyed.js";
import type { Db, RunLogsTable, RunsTable, RunWaitsTable, Tables } from "./schema.js";

/**
 * The store's statements, built with Kysely and free of dialect-specific SQL, so the SQLite
 * store runs them today and a Postgres store can run the same ones. Each guarantee rests on
 * one statement and a constraint (a primary key, a UNIQUE column), never on
 * search-then-insert.
 */
export type { Db } from "./schema.js";

export const RUN_LIST_DEFAULT_LIMIT = 50;
export const RUN_LIST_MAX_LIMIT = 500;

export * from "./job-queries.js";

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

/**
 * Runs newest first, filtered; with `before`, only those after it in that order (a keyset page).
 * The page's bound is a range on created_at (`<=`), so the created_at indexes still serve it.
 */
export function selectRuns(db: Db, filter: { repository?: string; workflowId?: string; status?: string; before?: { createdAt: string; id: string } }, limit: number) {
  const before = filter.before;
  return db
    .selectFrom("runs")
    .selectAll()
    .$if(filter.repository !== undefined, (q) => q.where("repository", "=", filter.repository as string))
    .$if(filter.workflowId !== undefined, (q) => q.where("workflow_id", "=", filter.workflowId as string))
    .$if(filter.status !== undefined, (q) => q.where("status", "=", filter.status as string))
    .$if(before !== undefined, (q) => q.where("created_at", "<=", before!.createdAt).where((eb) => eb.or([eb("created_at", "<", before!.createdAt), eb("id", "<", before!.id)])))
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
