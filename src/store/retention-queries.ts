// Retention's statements (finished jobs, delivery payloads, run logs) and the health probe's:
// portable Kysely, like queries.ts. Each finds its rows through a partial index of migration 0008.
import { DEFAULT_MIGRATION_TABLE, sql, type Kysely } from "kysely";
import { PRUNED_PAYLOAD } from "../domain/retention-port.js";
import { keyed } from "./keyed.js";
import type { Db } from "./schema.js";

/** The text a pruned delivery's payload column holds. */
export const PRUNED_PAYLOAD_TEXT = JSON.stringify(PRUNED_PAYLOAD);

/** A job finished for good: word for word the predicate of `jobs_finished_idx` (a planner uses a partial index only then). */
const FINISHED_JOB = sql<boolean>`status in ('done', 'failed')`;

/** Deletes up to `limit` jobs finished before `before`, the longest finished first. */
export function deleteFinishedJobs(db: Db, before: string, limit: number) {
  return keyed("deleteFinishedJobs", [before, limit], () =>
    db
      .deleteFrom("jobs")
      .where("id", "in", (eb) => eb.selectFrom("jobs").select("id").where(FINISHED_JOB).where("updated_at", "<", before).orderBy("updated_at").orderBy("id").limit(limit)),
  );
}

/**
 * Replaces the payload of up to `limit` deliveries received before `before` with the pruned
 * marker, oldest first: only those none of whose runs is unfinished and whose `delivery` job
 * is not waiting or running (a run's expressions read its delivery's payload while it runs).
 */
export function prunePayloads(db: Db, before: string, limit: number, now: string) {
  return keyed("prunePayloads", [PRUNED_PAYLOAD_TEXT, now, before, limit], () =>
    db
      .updateTable("deliveries")
      .set({ payload: PRUNED_PAYLOAD_TEXT, payload_pruned_at: now })
      .where("id", "in", (eb) =>
        eb
          .selectFrom("deliveries as d")
          .select("d.id")
          .where("d.payload_pruned_at", "is", null)
          .where("d.received_at", "<", before)
          .where(({ exists, not, selectFrom }) =>
            not(exists(selectFrom("runs as r").select("r.id").whereRef("r.delivery_id", "=", "d.id").where(sql<boolean>`r.status not in ('succeeded', 'failed', 'cancelled')`))),
          )
          .where(({ exists, not, selectFrom }) =>
            not(exists(selectFrom("jobs as j").select("j.id").where("j.key", "=", sql<string>`'delivery:' || d.id`).where(sql<boolean>`j.status in ('scheduled', 'queued', 'running')`))),
          )
          .orderBy("d.received_at")
          .orderBy("d.id")
          .limit(limit),
      ),
  );
}

/** Up to `limit` runs finished before `before` whose log is kept, the longest finished first. */
export function selectRunsWithLogs(db: Db, before: string, limit: number) {
  return keyed("selectRunsWithLogs", [before, limit], () =>
    db
      .selectFrom("runs")
      .select("id")
      .where("finished_at", "<", before)
      .where("log_pruned_at", "is", null)
      .where(sql<boolean>`status in ('succeeded', 'failed', 'cancelled')`)
      .orderBy("finished_at")
      .orderBy("id")
      .limit(limit),
  );
}

/** Deletes up to `limit` of a run's log lines, the first appended first. */
export function deleteRunLogs(db: Db, runId: string, limit: number) {
  return keyed("deleteRunLogs", [runId, limit], () =>
    db.deleteFrom("run_logs").where("id", "in", (eb) => eb.selectFrom("run_logs").select("id").where("run_id", "=", runId).orderBy("id").limit(limit)),
  );
}

/** Marks a run's log pruned: the run is not looked at again. */
export function markLogPruned(db: Db, runId: string, now: string) {
  return keyed("markLogPruned", [now, runId], () => db.updateTable("runs").set({ log_pruned_at: now }).where("id", "=", runId));
}

/** One row of a small table of the schema: the database answers. */
export function selectPing(db: Db) {
  return keyed("selectPing", [1], () => db.selectFrom("queue_state").select("name").limit(1));
}

/** The names of the migrations applied, from Kysely's own table. */
export function selectAppliedMigrations(db: Db) {
  const history = db as unknown as Kysely<Record<typeof DEFAULT_MIGRATION_TABLE, { name: string }>>;
  return keyed("selectAppliedMigrations", [], () => history.selectFrom(DEFAULT_MIGRATION_TABLE).select("name"));
}
