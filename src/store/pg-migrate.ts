/**
 * Migrates a PostgreSQL database for the store: the same migrations as SQLite (portable DDL),
 * all pending ones in one transaction under Kysely's advisory lock, so any number of replicas
 * starting at once migrate it exactly once, and a failure leaves it as it was.
 */
import { sql, Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import { migrationError } from "./migration-error.js";
import type { PostgresTarget } from "./pg-connection.js";

/**
 * Brings the database to the latest schema. Kysely's Postgres adapter takes a session advisory
 * lock (`pg_advisory_lock`) around the run and, Postgres DDL being transactional, applies the
 * pending migrations in one transaction: a second replica waits on the lock, then finds nothing
 * left to do. The target's schema is created first when it is missing.
 */
export async function migratePostgres<DB>(db: Kysely<DB>, target: PostgresTarget, migrations: Record<string, Migration>): Promise<MigrationResultSet> {
  if (target.schema !== undefined) {
    try {
      await sql`create schema if not exists ${sql.id(target.schema)}`.execute(db);
    } catch (err) {
      // Replicas creating it at the same moment: one wins, the others find it there.
      if ((err as { code?: string }).code !== "23505" && (err as { code?: string }).code !== "42P06") throw err;
    }
  }
  // Kysely looks for its own tables in the schema it is told (else in any schema of the
  // database, where another installation's would be taken for these).
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) }, migrationTableSchema: target.schema ?? "public" });
  const outcome = await migrator.migrateToLatest();
  if (outcome.error !== undefined) throw migrationError(outcome);
  return outcome;
}
