/** The store's figures for the metrics scrape (StoreFigures): the job queue's depth and age, runs by status; portable Kysely, one indexed query each. */
import { sql, type Kysely } from "kysely";
import type { Tables } from "./schema.js";

/** Due, running and scheduled jobs, and the run_at of the oldest due one. */
export function selectQueueFigures(db: Kysely<Tables>, now: string) {
  return db
    .selectFrom("jobs")
    .select([
      sql<number>`coalesce(sum(case when status in ('queued', 'scheduled') and run_at <= ${now} then 1 else 0 end), 0)`.as("due"),
      sql<number>`coalesce(sum(case when status = 'running' then 1 else 0 end), 0)`.as("running"),
      // Not due yet, whichever way it waits (a timer, a retry; or queued ahead of a worker's clock).
      sql<number>`coalesce(sum(case when status in ('queued', 'scheduled') and run_at > ${now} then 1 else 0 end), 0)`.as("scheduled"),
      sql<string | null>`min(case when status in ('queued', 'scheduled') and run_at <= ${now} then run_at end)`.as("oldest_due"),
    ])
    .where("status", "in", ["queued", "scheduled", "running"]);
}

/** Runs by status. */
export function selectRunCounts(db: Kysely<Tables>) {
  return db.selectFrom("runs").select(["status", sql<number>`count(*)`.as("n")]).groupBy("status");
}
