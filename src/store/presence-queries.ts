/** The presence part's statements (portable Kysely): a worker's heartbeat, its leaving, and how many beat lately. */
import { sql, type Kysely } from "kysely";
import type { Tables } from "./schema.js";

export function upsertPresence(db: Kysely<Tables>, workerId: string, seenAt: string) {
  return db
    .insertInto("worker_presence")
    .values({ worker_id: workerId, seen_at: seenAt })
    .onConflict((oc) => oc.column("worker_id").doUpdateSet({ seen_at: seenAt }));
}

export function deletePresence(db: Kysely<Tables>, workerId: string) {
  return db.deleteFrom("worker_presence").where("worker_id", "=", workerId);
}

/** Workers seen at or after `since`; long-gone ones are deleted by the same call's caller (pruneStalePresence). */
export function countLive(db: Kysely<Tables>, since: string) {
  return db.selectFrom("worker_presence").select(sql<number>`count(*)`.as("n")).where("seen_at", ">=", since);
}

/** Workers not seen since `before` (gone without leaving: killed, crashed). */
export function pruneStalePresence(db: Kysely<Tables>, before: string) {
  return db.deleteFrom("worker_presence").where("seen_at", "<", before);
}
