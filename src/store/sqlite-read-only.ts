/**
 * A SQLite store opened read-only (openStore's `readOnly` option): a connection opened with
 * SQLITE_OPEN_READONLY, no pragma that writes (the app already put the file in WAL mode) and no
 * migration. In WAL mode it reads a consistent snapshot while the app writes. A file that is
 * missing, not the app's, or at another schema version is refused; it is never created,
 * migrated or changed.
 */
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { DEFAULT_MIGRATION_TABLE, Kysely, SqliteDialect } from "kysely";
import type { Clock } from "../domain/ports.js";
import { migrations } from "./migrations.js";
import type { Tables } from "./schema.js";
import { SqliteStore } from "./sqlite-store.js";

/**
 * Why a database could not be opened read-only. `about` says what is wrong: the DATABASE_URL
 * itself ("url": not a URL of a file another process can read), or the database it names.
 */
export class ReadOnlyStoreError extends Error {
  constructor(
    readonly about: "url" | "database",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ReadOnlyStoreError";
  }
}

/** SQLite's refusals of a file that cannot be read as the app's database. */
const UNREADABLE = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY"]);

/** Opens an existing SQLite database file read-only; throws ReadOnlyStoreError when it is not there or not readable as the app's. */
export function openSqliteStoreReadOnly(filename: string, clock: Clock): SqliteStore {
  if (filename === ":memory:") throw new ReadOnlyStoreError("url", "sqlite::memory: keeps the app's runs in its own memory, where no other process can read them; point DATABASE_URL at the app's database file");
  if (!existsSync(filename)) throw new ReadOnlyStoreError("database", `no database at ${filename}; is this the DATABASE_URL (and the folder) the app runs with?`);
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(filename, { readonly: true, fileMustExist: true });
    // Waits, as the app's connections do, for a writer's checkpoint instead of failing at once.
    sqlite.pragma("busy_timeout = 5000");
    checkSchema(sqlite);
  } catch (err) {
    sqlite?.close();
    if (err instanceof ReadOnlyStoreError) throw err;
    const code = (err as { code?: string }).code;
    if (code !== undefined && UNREADABLE.has(code)) throw new ReadOnlyStoreError("database", `cannot read ${filename}: ${(err as Error).message} (${code})`, { cause: err });
    throw err;
  }
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
  return new SqliteStore(sqlite, db, clock);
}

/** The database must be at exactly this build's schema: an older one would need a migration, a newer one may have changed what is read. */
function checkSchema(sqlite: Database.Database): void {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(DEFAULT_MIGRATION_TABLE);
  if (!table) throw new ReadOnlyStoreError("database", `not the app's database: it has no schema history (no ${DEFAULT_MIGRATION_TABLE} table)`);
  const done = sqlite.prepare(`SELECT name FROM "${DEFAULT_MIGRATION_TABLE}"`).pluck().all() as string[];
  const wanted = Object.keys(migrations);
  const unknown = done.filter((name) => !wanted.includes(name));
  if (unknown.length > 0) throw new ReadOnlyStoreError("database", `the database was migrated by a newer version of the app (migration ${unknown[0]} is unknown here); use that version's governance command`);
  const missing = wanted.filter((name) => !done.includes(name));
  if (missing.length > 0) {
    throw new ReadOnlyStoreError("database", `the database is at an older schema (${done.length} of ${wanted.length} migrations); start the app once to migrate it (governance runs never changes the database)`);
  }
}
