/**
 * The remediation tasks' statements: portable Kysely, like queries.ts. Each guarantee rests on
 * one statement and a constraint: one task per key, per fingerprint and per issue (UNIQUE), an
 * update only over the version its writer read.
 */
import type { Insertable, Updateable } from "kysely";
import type { Db } from "./queries.js";
import type { TasksTable } from "./schema.js";

export const TASK_LIST_DEFAULT_LIMIT = 50;
export const TASK_LIST_MAX_LIMIT = 500;

/** How the statements find one task: `repositoryKey` is the repository in lower case. */
export type TaskRowLookup = { id: string } | { key: string } | { fingerprint: string } | { repositoryKey: string; issueNumber: number };

/** Inserts a task unless its id, key, fingerprint or issue is taken (0 rows changed then). */
export function insertTask(db: Db, row: Insertable<TasksTable>) {
  return db
    .insertInto("tasks")
    .values(row)
    .onConflict((oc) => oc.doNothing());
}

/** One task, by id, key, fingerprint or issue. */
export function selectTask(db: Db, by: TaskRowLookup) {
  const query = db.selectFrom("tasks").selectAll();
  if ("id" in by) return query.where("id", "=", by.id);
  if ("key" in by) return query.where("key", "=", by.key);
  if ("fingerprint" in by) return query.where("fingerprint", "=", by.fingerprint);
  return query.where("repository_key", "=", by.repositoryKey).where("issue_number", "=", by.issueNumber);
}

/** Writes a task's changeable columns only over the version its writer read; bumps the version. */
export function updateTask(db: Db, id: string, expectedVersion: number, set: Updateable<TasksTable>) {
  return db
    .updateTable("tasks")
    .set({ ...set, version: expectedVersion + 1 })
    .where("id", "=", id)
    .where("version", "=", expectedVersion);
}

/** Tasks newest first, filtered; `repositoryKey` is the repository in lower case. */
export function selectTasks(db: Db, filter: { repositoryKey?: string; status?: TasksTable["status"] }, limit: number) {
  return db
    .selectFrom("tasks")
    .selectAll()
    .$if(filter.repositoryKey !== undefined, (q) => q.where("repository_key", "=", filter.repositoryKey as string))
    .$if(filter.status !== undefined, (q) => q.where("status", "=", filter.status as TasksTable["status"]))
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);
}
