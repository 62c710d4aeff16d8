/**
 * Migrates a SQLite database for SqliteStore: all pending migrations in one BEGIN IMMEDIATE
 * transaction, one migration at a time per process, so it applies every migration or none.
 */
import type BetterSqlite3 from "better-sqlite3";
import { DEFAULT_MIGRATION_TABLE, Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import { migrationError } from "./migration-error.js";

/** Migrations in this process run one at a time (see below). */
let previous: Promise<unknown> = Promise.resolve();

/**
 * Brings a SQLite database to the latest schema: every pending migration applies, or none.
 *
 * Kysely's SQLite adapter runs migrations outside a transaction, and its lock is a no-op (it
 * assumes one connection). One `BEGIN IMMEDIATE` around the whole Migrator fixes both: a
 * failing migration rolls everything back (Kysely's own bookkeeping tables included), and a
 * second process opening the same file waits (busy_timeout) instead of migrating twice.
 * Kysely's SQLite driver runs every statement on this same connection, so they all land in
 * this transaction.
 *
 * That transaction spans awaits, so two connections of one process must not migrate at once
 * (the second would wait synchronously for a lock the first cannot release); a process-wide
 * queue prevents it. And a database already up to date is recognised without any lock.
 */
export async function migrateSqlite<DB>(
  sqlite: BetterSqlite3.Database,
  db: Kysely<DB>,
  migrations: Record<string, Migration>,
): Promise<MigrationResultSet> {
  const run = previous.then(() => migrateNow(sqlite, db, migrations));
  previous = run.catch(() => undefined);
  return run;
}

async function migrateNow<DB>(sqlite: BetterSqlite3.Database, db: Kysely<DB>, migrations: Record<string, Migration>): Promise<MigrationResultSet> {
  if (upToDate(sqlite, migrations)) return { results: [] };
  sqlite.exec("BEGIN IMMEDIATE");
  let outcome: MigrationResultSet;
  try {
    const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
    outcome = await migrator.migrateToLatest();
  } catch (error) {
    outcome = { error };
  }
  if (outcome.error === undefined) {
    sqlite.exec("COMMIT");
    return outcome;
  }
  if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
  throw migrationError(outcome);
}

/** Whether every migration is recorded as done, and nothing else is (the Migrator reports that case). */
function upToDate(sqlite: BetterSqlite3.Database, migrations: Record<string, Migration>): boolean {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(DEFAULT_MIGRATION_TABLE);
  if (!table) return false;
  const done = sqlite.prepare(`SELECT name FROM "${DEFAULT_MIGRATION_TABLE}"`).pluck().all() as string[];
  const wanted = Object.keys(migrations);
  return done.length === wanted.length && wanted.every((name) => done.includes(name));
}
