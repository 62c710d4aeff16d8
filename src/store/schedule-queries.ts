/**
 * The schedule index's statements: portable Kysely, like queries.ts. ISO-8601 UTC strings of one
 * format compare like the instants they name, so due times compare as text.
 */
import type { Insertable, Updateable } from "kysely";
import type { Db } from "./queries.js";
import type { SchedulesTable } from "./schema.js";

/** The rows of a repository, by its current name or its id (rows left under an old name). */
export function selectRepositorySchedules(db: Db, fullName: string, repositoryId: number) {
  return db
    .selectFrom("schedules")
    .selectAll()
    .where((eb) => eb.or([eb("repository", "=", fullName), eb("repository_id", "=", repositoryId)]));
}

/** Inserts one schedule row. */
export function insertSchedule(db: Db, row: Insertable<SchedulesTable>) {
  return db.insertInto("schedules").values(row);
}

/** Changes one schedule row. */
export function updateSchedule(db: Db, id: string, set: Updateable<SchedulesTable>) {
  return db.updateTable("schedules").set(set).where("id", "=", id);
}

/** Deletes schedule rows by id, by repository name or by installation. */
export function deleteSchedules(db: Db, by: { ids: string[] } | { repository: string } | { installationId: number }) {
  const query = db.deleteFrom("schedules");
  if ("ids" in by) return query.where("id", "in", by.ids);
  if ("repository" in by) return query.where("repository", "=", by.repository);
  return query.where("installation_id", "=", by.installationId);
}

/** Every schedule, or one repository's, in a stable order. */
export function selectSchedules(db: Db, repository: string | undefined) {
  return db
    .selectFrom("schedules")
    .selectAll()
    .$if(repository !== undefined, (q) => q.where("repository", "=", repository as string))
    .orderBy("repository")
    .orderBy("workflow_path")
    .orderBy("trigger_index");
}

/** Schedules due at `now`, earliest first, along the (next_due_at, id) index. */
/** The earliest due time of any schedule (the index's first entry). */
export function selectNextDue(db: Db) {
  return db.selectFrom("schedules").select("next_due_at").where("next_due_at", "is not", null).orderBy("next_due_at").limit(1);
}

export function selectDueSchedules(db: Db, now: string, limit: number) {
  return db
    .selectFrom("schedules")
    .selectAll()
    .where("next_due_at", "is not", null)
    .where("next_due_at", "<=", now)
    .orderBy("next_due_at")
    .orderBy("id")
    .limit(limit);
}

/** Records a fired tick; only moves `last_tick_at` forward, so one of several firers wins. */
export function markScheduleFired(db: Db, id: string, tick: string, nextDueAt: string | null) {
  return db
    .updateTable("schedules")
    .set({ last_tick_at: tick, next_due_at: nextDueAt })
    .where("id", "=", id)
    .where((eb) => eb.or([eb("last_tick_at", "is", null), eb("last_tick_at", "<", tick)]));
}

/** Sets a due time without firing, unless the schedule fired (or was reset) meanwhile. */
export function deferSchedule(db: Db, id: string, lastTickAt: string | null, nextDueAt: string | null) {
  return db
    .updateTable("schedules")
    .set({ next_due_at: nextDueAt })
    .where("id", "=", id)
    .where("last_tick_at", lastTickAt === null ? "is" : "=", lastTickAt);
}

/** dueSchedules' limit: 100 unless asked, at most 1,000. */
export const DUE_DEFAULT_LIMIT = 100;
export const DUE_MAX_LIMIT = 1_000;
