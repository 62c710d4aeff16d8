/**
 * Migration 0009 (listed in migrations.ts): the workers alive across the deployment, by their
 * last heartbeat (the presence part of the store). Portable DDL; never edited once shipped.
 */
import type { Kysely, Migration } from "kysely";

export const presence: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("worker_presence")
      .addColumn("worker_id", "text", (c) => c.primaryKey())
      .addColumn("seen_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("worker_presence_seen_idx").on("worker_presence").column("seen_at").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("worker_presence").execute();
  },
};
