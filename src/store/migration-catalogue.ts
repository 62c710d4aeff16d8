/**
 * Migration 0007 (listed in migrations.ts, in its own file to keep that one short): the workflow
 * catalogue's tables: org-wide workflows with their immutable versions, and the workflows last
 * read from repositories' default branches. Portable DDL, like every migration; never edited once shipped.
 */
import { sql, type Kysely, type Migration } from "kysely";

export const workflowCatalogue: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // One row per org-wide workflow: which version is the latest, and that version's name,
    // semver and filter (what the catalogue lists and filters by, without reading versions).
    await db.schema
      .createTable("stored_workflows")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("owner", "text", (c) => c.notNull())
      .addColumn("owner_key", "text", (c) => c.notNull())
      .addColumn("installation_id", "bigint")
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("name_key", "text", (c) => c.notNull())
      .addColumn("latest_seq", "integer", (c) => c.notNull())
      .addColumn("latest_version", "text", (c) => c.notNull())
      .addColumn("repositories", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      // One name per owner, in any case. Also serves latestWorkflowsOf (its leading column).
      .addUniqueConstraint("stored_workflows_name_key", ["owner_key", "name_key"])
      .execute();
    await db.schema.createIndex("stored_workflows_owner_idx").on("stored_workflows").columns(["owner_key", "id"]).execute();

    await db.schema
      .createTable("stored_workflow_versions")
      .addColumn("workflow_id", "text", (c) => c.notNull().references("stored_workflows.id").onDelete("cascade"))
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("version", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("definition", "text", (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("format", "text", (c) => c.notNull().check(sql`format in ('yaml', 'json')`))
      .addColumn("repositories", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      // Of two updates over one version, the second's insert collides here.
      .addPrimaryKeyConstraint("stored_workflow_versions_pkey", ["workflow_id", "seq"])
      .addUniqueConstraint("stored_workflow_versions_version_key", ["workflow_id", "version"])
      .execute();

    // The workflows read from a repository's default branch, replaced whole at every read.
    await db.schema
      .createTable("repository_workflows")
      .addColumn("repository_key", "text", (c) => c.notNull())
      .addColumn("repository", "text", (c) => c.notNull())
      .addColumn("owner_key", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("id", "text", (c) => c.notNull())
      .addColumn("installation_id", "bigint", (c) => c.notNull())
      .addColumn("commit_sha", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("name_key", "text", (c) => c.notNull())
      .addColumn("version", "text", (c) => c.notNull())
      .addColumn("definition", "text", (c) => c.notNull())
      .addColumn("seen_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("repository_workflows_pkey", ["repository_key", "path"])
      .execute();
    // findRepositoryWorkflows, and the catalogue's order (id, repository, path).
    await db.schema.createIndex("repository_workflows_id_idx").on("repository_workflows").columns(["id", "repository_key", "path"]).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ["repository_workflows", "stored_workflow_versions", "stored_workflows"]) await db.schema.dropTable(table).execute();
  },
};
