import { PostgresAdapter, sql, type Kysely, type Migration } from "kysely";

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
};
