/**
 * A PostgreSQL store opened read-only (openStore's `readOnly` option, for `governance runs` and
 * `governance export`): a pool whose every transaction is read-only (the server refuses any
 * write), no schema creation and no migration. A database that cannot be reached, has no store
 * in its schema, or is at another schema version is refused with a ReadOnlyStoreError whose
 * message never holds the URL (it may hold a password).
 */
import { DEFAULT_MIGRATION_TABLE, sql } from "kysely";
import type { Clock } from "../domain/ports.js";
import { migrations } from "./migrations.js";
import { openPostgres, parsePostgresUrl, type PostgresDatabase } from "./pg-connection.js";
import { PgStore } from "./pg-store.js";
import { ReadOnlyStoreError } from "./sqlite-read-only.js";

/** Opens the store of an existing, migrated Postgres schema for reading; throws ReadOnlyStoreError when it is not there or not at this build's schema. */
export async function openPgStoreReadOnly(databaseUrl: string, clock: Clock): Promise<PgStore> {
  const target = parsePostgresUrl(databaseUrl);
  const database = openPostgres(target, { max: 2, readOnly: true });
  try {
    await checkSchema(database);
  } catch (err) {
    await database.close();
    if (err instanceof ReadOnlyStoreError) throw err;
    const code = (err as { code?: string }).code;
    throw new ReadOnlyStoreError("database", `cannot read the Postgres database: ${(err as Error).message}${code === undefined ? "" : ` (${code})`}`, { cause: err });
  }
  return new PgStore(database, clock);
}

/** The schema must be at exactly this build's migrations: an older one would need a migration, a newer one may have changed what is read. */
async function checkSchema(database: PostgresDatabase): Promise<void> {
  const schema = database.target.schema ?? "public";
  const table = `${schema}.${DEFAULT_MIGRATION_TABLE}`;
  const found = await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(database.db);
  if (!found.rows[0]?.t) throw new ReadOnlyStoreError("database", `not the app's database: schema ${schema} has no schema history (no ${DEFAULT_MIGRATION_TABLE} table)`);
  const done = (await sql<{ name: string }>`select name from ${sql.table(table)}`.execute(database.db)).rows.map((r) => r.name);
  const wanted = Object.keys(migrations);
  const unknown = done.filter((name) => !wanted.includes(name));
  if (unknown.length > 0) throw new ReadOnlyStoreError("database", `the database was migrated by a newer version of the app (migration ${unknown[0]} is unknown here); use that version's governance command`);
  const missing = wanted.filter((name) => !done.includes(name));
  if (missing.length > 0) {
    throw new ReadOnlyStoreError("database", `the database is at an older schema (${done.length} of ${wanted.length} migrations); start the app once to migrate it (governance runs never changes the database)`);
  }
}
