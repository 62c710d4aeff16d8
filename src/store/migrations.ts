/**
 * The store's schema migrations, 0001 onwards, run by SqliteStore and checked by the read-only
 * store. Portable DDL for SQLite and Postgres; a shipped migration is never edited.
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from "kysely";
import type { StepRecord } from "../domain/run.js";
import { workflowCatalogue } from "./migration-catalogue.js";
import { remediationTasks } from "./migration-tasks.js";
import { presence } from "./migration-presence.js";
import { retention } from "./migration-retention.js";
import { waitRowsOf } from "./rows.js";

/**
 * The schema's history, in code rather than files read at run time, so the compiled `dist/`
 * carries it. Names sort in the order they run (Kysely's Migrator sorts them); never edit a
 * migration that has shipped: add the next one.
 *
 * The DDL is portable between SQLite and Postgres: text for JSON and ISO-8601 times, bigint for
 * GitHub ids (which outgrow 32 bits). The one difference, the auto-increment column, is
 * decided by the dialect the migration runs on.
 */
export const migrations: Record<string, Migration> = {
  "0001_initial": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("deliveries")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("action", "text")
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("repository", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("triggers", "text", (c) => c.notNull())
        .addColumn("repository_info", "text", (c) => c.notNull())
        .addColumn("received_at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
        .addColumn("workflow_id", "text", (c) => c.notNull())
        .addColumn("workflow_name", "text", (c) => c.notNull())
        .addColumn("workflow_version", "text", (c) => c.notNull())
        .addColumn("workflow_path", "text", (c) => c.notNull())
        .addColumn("workflow_commit", "text", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("repository", "text", (c) => c.notNull())
        .addColumn("delivery_id", "text", (c) => c.notNull())
        .addColumn("trigger_index", "integer", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("started_at", "text")
        .addColumn("finished_at", "text")
        .addColumn("current_step_id", "text")
        .addColumn("head_sha", "text")
        .addColumn("check_run_id", "bigint")
        .addColumn("steps", "text", (c) => c.notNull())
        .execute();
      // listRuns: newest first, optionally within one repository or one workflow.
      await db.schema.createIndex("runs_created_at_idx").on("runs").columns(["created_at", "id"]).execute();
      await db.schema.createIndex("runs_repository_idx").on("runs").columns(["repository", "created_at"]).execute();
      await db.schema.createIndex("runs_workflow_idx").on("runs").columns(["workflow_id", "created_at"]).execute();

      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable("run_logs")
        .addColumn("id", postgres ? "bigint" : "integer", (c) =>
          postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
        .addColumn("ts", "text", (c) => c.notNull())
        .addColumn("level", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("meta", "text")
        .execute();
      await db.schema.createIndex("run_logs_run_id_idx").on("run_logs").column("run_id").execute();

      await db.schema
        .createTable("effects")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('claimed', 'done')`))
        .addColumn("claimed_at", "text", (c) => c.notNull())
        .addColumn("result", "text")
        .execute();

      await db.schema
        .createTable("jobs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("key", "text", (c) => c.unique())
        .addColumn("run_at", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed')`))
        .addColumn("locked_by", "text")
        .addColumn("locked_until", "text")
        .addColumn("last_error", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      // claimJob: the oldest due job of a status, in index order (no sort, no scan of the backlog).
      await db.schema.createIndex("jobs_status_run_at_idx").on("jobs").columns(["status", "run_at", "id"]).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["jobs", "effects", "run_logs", "runs", "deliveries"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  "0002_run_cancel_and_lookup": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Written only by requestCancel, never by saveRun: a cancel is not lost to a stale save.
      await db.schema.alterTable("runs").addColumn("cancel_requested", "text").execute();
      // Signals (approvals, closed issues, resolved alerts) look for a repository's unfinished runs.
      await db.schema.createIndex("runs_repository_status_idx").on("runs").columns(["repository", "status"]).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("runs_repository_status_idx").execute();
      await db.schema.alterTable("runs").dropColumn("cancel_requested").execute();
    },
  },
  "0003_schedules": {
    async up(db: Kysely<unknown>): Promise<void> {
      // The schedule index: one row per onSchedule trigger of a workflow on a default branch.
      await db.schema
        .createTable("schedules")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("repository", "text", (c) => c.notNull())
        .addColumn("repository_id", "bigint", (c) => c.notNull())
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("repository_info", "text", (c) => c.notNull())
        .addColumn("workflow_path", "text", (c) => c.notNull())
        .addColumn("trigger_index", "integer", (c) => c.notNull())
        .addColumn("cron", "text", (c) => c.notNull())
        .addColumn("timezone", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("last_tick_at", "text")
        .addColumn("next_due_at", "text")
        // Also serves look-ups by repository (its leading column).
        .addUniqueConstraint("schedules_trigger_key", ["repository", "workflow_path", "trigger_index"])
        .execute();
      // dueSchedules: the earliest due rows first, without scanning the rest.
      await db.schema.createIndex("schedules_next_due_at_idx").on("schedules").columns(["next_due_at", "id"]).execute();
      await db.schema.createIndex("schedules_installation_idx").on("schedules").column("installation_id").execute();
      // A renamed repository keeps its id: its rows under the old name are found by it.
      await db.schema.createIndex("schedules_repository_id_idx").on("schedules").column("repository_id").execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("schedules").execute();
    },
  },
  "0004_single_writer_runs_and_fair_jobs": {
    async up(db: Kysely<unknown>): Promise<void> {
      // Runs: a version every commit is conditional on.
      await db.schema.alterTable("runs").addColumn("version", "integer", (c) => c.notNull().defaultTo(1)).execute();

      // The wait index: a signal finds the runs it concerns with one indexed query.
      await db.schema
        .createTable("run_waits")
        .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
        .addColumn("step_id", "text", (c) => c.notNull())
        .addColumn("attempt", "integer", (c) => c.notNull())
        .addColumn("repository", "text", (c) => c.notNull())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("due_at", "text")
        .addPrimaryKeyConstraint("run_waits_pkey", ["run_id", "step_id", "attempt", "event", "target"])
        .execute();
      await db.schema.createIndex("run_waits_lookup_idx").on("run_waits").columns(["repository", "event", "target"]).execute();
      await db.schema.createIndex("run_waits_due_idx").on("run_waits").columns(["due_at"]).execute();
      // The runs that wait today get their entries.
      const waiting = (await sql<{ id: string; repository: string; steps: string }>`select id, repository, steps from runs where status = 'running'`.execute(db)).rows;
      for (const run of waiting) {
        const rows = waitRowsOf({ id: run.id, repository: run.repository, steps: JSON.parse(run.steps) as StepRecord[] });
        if (rows.length > 0) await db.insertInto("run_waits" as never).values(rows as never).execute();
      }

      // Jobs: a new status (scheduled: not due yet) and the columns of fair, prioritised,
      // exclusive claims. SQLite cannot change a CHECK constraint, so the table is rebuilt.
      await db.schema
        .createTable("jobs_v4")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("key", "text", (c) => c.unique())
        .addColumn("run_at", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('scheduled', 'queued', 'running', 'done', 'failed')`))
        .addColumn("locked_by", "text")
        .addColumn("locked_until", "text")
        .addColumn("last_error", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .addColumn("installation_id", "bigint")
        .addColumn("priority", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("fair_at", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("concurrency_key", "text")
        .addColumn("max_attempts", "integer", (c) => c.notNull().defaultTo(5))
        .execute();
      // Every queued job becomes scheduled: the first claim makes the due ones queued, in fair order.
      await sql`insert into jobs_v4 (id, type, payload, key, run_at, attempts, status, locked_by, locked_until, last_error, created_at, updated_at)
        select id, type, payload, key, run_at, attempts, case when status = 'queued' then 'scheduled' else status end, locked_by, locked_until, last_error, created_at, updated_at from jobs`.execute(db);
      await db.schema.dropTable("jobs").execute();
      await db.schema.alterTable("jobs_v4").renameTo("jobs").execute();
      // claimJob: the first due job by priority and fair order, without scanning the backlog.
      await db.schema.createIndex("jobs_queue_idx").on("jobs").columns(["status", "priority", "fair_at", "run_at", "id"]).execute();
      // Scheduled jobs falling due, and leases running out.
      await db.schema.createIndex("jobs_run_at_idx").on("jobs").columns(["status", "run_at"]).execute();
      await db.schema.createIndex("jobs_lease_idx").on("jobs").columns(["status", "locked_until"]).execute();
      await db.schema.createIndex("jobs_concurrency_idx").on("jobs").columns(["concurrency_key", "status"]).execute();

      await db.schema
        .createTable("queue_state")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("value", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("installation_queues")
        .addColumn("installation_id", "bigint", (c) => c.primaryKey())
        .addColumn("finish_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("installation_index")
        .addColumn("installation_id", "bigint", (c) => c.primaryKey())
        .addColumn("indexed_at", "text", (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["installation_index", "installation_queues", "queue_state", "run_waits"]) await db.schema.dropTable(table).execute();
      await db.schema.dropIndex("jobs_queue_idx").execute();
      await db.schema.dropIndex("jobs_run_at_idx").execute();
      await db.schema.dropIndex("jobs_lease_idx").execute();
      await db.schema.dropIndex("jobs_concurrency_idx").execute();
      await sql`update jobs set status = 'queued' where status = 'scheduled'`.execute(db);
      for (const column of ["installation_id", "priority", "fair_at", "concurrency_key", "max_attempts"]) await db.schema.alterTable("jobs").dropColumn(column).execute();
      await db.schema.createIndex("jobs_status_run_at_idx").on("jobs").columns(["status", "run_at", "id"]).execute();
      await db.schema.alterTable("runs").dropColumn("version").execute();
    },
  },
  "0005_partial_job_indexes": {
    // A job's status decides which index it is in: done and failed jobs (most of the table,
    // kept for their keys) are in none but the key's, so finishing a job or leasing one
    // touches only the index it leaves and the one it joins. The queries name the status as a
    // literal, which is what lets SQLite and PostgreSQL use a partial index.
    async up(db: Kysely<unknown>): Promise<void> {
      for (const name of ["jobs_queue_idx", "jobs_run_at_idx", "jobs_lease_idx", "jobs_concurrency_idx"]) await db.schema.dropIndex(name).execute();
      // The next job to serve: by priority, fair order, due time, enqueue order.
      await db.schema.createIndex("jobs_queued_idx").on("jobs").columns(["priority", "fair_at", "run_at", "id"]).where(sql.ref("status"), "=", sql.lit("queued")).execute();
      // Scheduled jobs falling due.
      await db.schema.createIndex("jobs_scheduled_idx").on("jobs").columns(["run_at", "id"]).where(sql.ref("status"), "=", sql.lit("scheduled")).execute();
      // Leases running out, and the live lease of a run's concurrency key.
      await db.schema.createIndex("jobs_running_idx").on("jobs").columns(["locked_until"]).where(sql.ref("status"), "=", sql.lit("running")).execute();
      await db.schema.createIndex("jobs_running_key_idx").on("jobs").columns(["concurrency_key", "locked_until"]).where(sql.ref("status"), "=", sql.lit("running")).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const name of ["jobs_queued_idx", "jobs_scheduled_idx", "jobs_running_idx", "jobs_running_key_idx"]) await db.schema.dropIndex(name).execute();
      await db.schema.createIndex("jobs_queue_idx").on("jobs").columns(["status", "priority", "fair_at", "run_at", "id"]).execute();
      await db.schema.createIndex("jobs_run_at_idx").on("jobs").columns(["status", "run_at"]).execute();
      await db.schema.createIndex("jobs_lease_idx").on("jobs").columns(["status", "locked_until"]).execute();
      await db.schema.createIndex("jobs_concurrency_idx").on("jobs").columns(["concurrency_key", "status"]).execute();
    },
  },
  "0006_remediation_tasks": remediationTasks,
  "0007_workflow_catalogue": workflowCatalogue,
  "0008_retention": retention,
  "0009_worker_presence": presence,
};
