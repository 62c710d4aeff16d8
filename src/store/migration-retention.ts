/**
 * Migration 0008 (listed in migrations.ts, in its own file to keep that one short): what
 * retention (store/sqlite-retention.ts) needs to find its work without scanning what it kept.
 * Portable DDL, like every migration; never edited once shipped.
 */
import { sql, type Kysely, type Migration } from "kysely";

export const retention: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // When a delivery's payload was replaced by the pruned marker; NULL while it is kept.
    await db.schema.alterTable("deliveries").addColumn("payload_pruned_at", "text").execute();
    // When a finished run's log lines were deleted; NULL while they are kept.
    await db.schema.alterTable("runs").addColumn("log_pruned_at", "text").execute();

    // Deliveries whose payload is kept, oldest first: pruned ones leave the index.
    await db.schema.createIndex("deliveries_payload_kept_idx").on("deliveries").columns(["received_at", "id"]).where(sql.ref("payload_pruned_at"), "is", null).execute();
    // Finished runs whose log is kept, by when they finished.
    await db.schema
      .createIndex("runs_log_kept_idx")
      .on("runs")
      .columns(["finished_at", "id"])
      .where(sql<boolean>`finished_at is not null and log_pruned_at is null`)
      .execute();
    // A delivery's runs (is any still unfinished?).
    await db.schema.createIndex("runs_delivery_idx").on("runs").column("delivery_id").execute();
    // Finished jobs by when they finished. The queries repeat the predicate word for word: only
    // then do SQLite and PostgreSQL use a partial index.
    await db.schema
      .createIndex("jobs_finished_idx")
      .on("jobs")
      .columns(["updated_at", "id"])
      .where(sql<boolean>`status in ('done', 'failed')`)
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const name of ["jobs_finished_idx", "runs_delivery_idx", "runs_log_kept_idx", "deliveries_payload_kept_idx"]) await db.schema.dropIndex(name).execute();
    await db.schema.alterTable("runs").dropColumn("log_pruned_at").execute();
    await db.schema.alterTable("deliveries").dropColumn("payload_pruned_at").execute();
  },
};
