/**
 * Migration 0006 (listed in migrations.ts, in its own file to keep that one short): the
 * remediation tasks table of assignTask. Portable DDL, like every migration; never edited once shipped.
 */
import { sql, type Kysely, type Migration } from "kysely";

export const remediationTasks: Migration = {
  // Remediation tasks (assignTask). No foreign key to runs: a task outlives the run that
  // assigned it (its issue stays open for weeks), whatever becomes of old runs.
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("tasks")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("key", "text", (c) => c.notNull().unique())
      .addColumn("fingerprint", "text", (c) => c.unique())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("assigned_to", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('open', 'completed', 'closed')`))
      .addColumn("resolution", "text")
      .addColumn("related_findings", "text", (c) => c.notNull())
      .addColumn("repository", "text", (c) => c.notNull())
      .addColumn("repository_key", "text", (c) => c.notNull())
      .addColumn("issue_number", "bigint")
      .addColumn("issue_url", "text")
      .addColumn("installation_id", "bigint", (c) => c.notNull())
      .addColumn("workflow_id", "text", (c) => c.notNull())
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("step_id", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("due_at", "text")
      .addColumn("closed_at", "text")
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
      // One task per issue; tasks without an issue yet (NULL) do not collide. Serves findTask by issue.
      .addUniqueConstraint("tasks_issue_key", ["repository_key", "issue_number"])
      .execute();
    // listTasks: newest first, optionally within one repository or one status.
    await db.schema.createIndex("tasks_created_at_idx").on("tasks").columns(["created_at", "id"]).execute();
    await db.schema.createIndex("tasks_repository_idx").on("tasks").columns(["repository_key", "created_at", "id"]).execute();
    await db.schema.createIndex("tasks_status_idx").on("tasks").columns(["status", "created_at", "id"]).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("tasks").execute();
  },
};
