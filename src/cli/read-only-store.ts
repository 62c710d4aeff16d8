import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DEFAULT_MIGRATION_TABLE, Kysely, SqliteDialect } from "kysely";
import type { Store } from "../domain/ports.js";
import { migrations } from "../store/migrations.js";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "../store/open-store.js";
import type { Tables } from "../store/schema.js";
import { loadDotEnv } from "../startup.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { UserError } from "./io.js";

/** What `governance runs` reads: the Store port's run queries, nothing that writes. */
export type RunReader = Pick<Store, "getRun" | "listRuns" | "close">;

/**
 * Opens the app's database (DATABASE_URL, found as the app finds it) read-only: a SQLite
 * connection opened with SQLITE_OPEN_READONLY, no pragma that writes (the app already put the
 * file in WAL mode) and no migration. In WAL mode it reads a consistent snapshot while the app
 * writes. A file that is missing, not the app's, or at another schema version is refused with
 * one line; it is never created, migrated or changed.
 *
 * Belongs in src/store/open-store.ts as a read-only option of openStore; it lives here until
 * that file can take it.
 */
export function openRunReader(env: Readonly<Record<string, string | undefined>>, cwd: string): RunReader {
  const { url, where } = databaseUrl(env, cwd);
  let filename: string;
  try {
    filename = parseDatabaseUrl(url, cwd).filename;
  } catch (err) {
    // The messages name the accepted forms and at most the URL's scheme, never its password.
    throw new UserError("DATABASE_URL", (err as Error).message.replace(/^DATABASE_URL /, ""));
  }
  if (filename === ":memory:") throw new UserError("DATABASE_URL", "sqlite::memory: keeps the app's runs in its own memory, where no other process can read them; point DATABASE_URL at the app's database file");
  if (!existsSync(filename)) throw new UserError(where, `no database at ${filename}; is this the DATABASE_URL (and the folder) the app runs with?`);
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(filename, { readonly: true, fileMustExist: true });
    // Waits, as the app's connections do, for a writer's checkpoint instead of failing at once.
    sqlite.pragma("busy_timeout = 5000");
    checkSchema(sqlite, where);
  } catch (err) {
    sqlite?.close();
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || code === "SQLITE_CANTOPEN" || code === "SQLITE_PERM" || code === "SQLITE_READONLY") {
      throw new UserError(where, `cannot read ${filename}: ${(err as Error).message} (${code})`);
    }
    throw err;
  }
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
  return new SqliteStore(sqlite, db, { now: () => new Date() });
}

/**
 * DATABASE_URL as the app finds it: from the environment, else from `./.env` (which `npm start`
 * reads too), else the default. `where` says which, for messages; sqlite: URLs hold no
 * credentials, so it may show the URL (only a parse error could involve another scheme).
 */
function databaseUrl(env: Readonly<Record<string, string | undefined>>, cwd: string): { url: string; where: string } {
  const set = env.DATABASE_URL?.trim();
  if (set) return { url: set, where: `DATABASE_URL=${set}` };
  const fromFile = dotEnvValue(cwd, "DATABASE_URL")?.trim();
  if (fromFile) return { url: fromFile, where: `DATABASE_URL=${fromFile} (from .env)` };
  return { url: DEFAULT_DATABASE_URL, where: `DATABASE_URL (unset; the default is ${DEFAULT_DATABASE_URL})` };
}

/** A variable of `<dir>/.env`, read as `npm start` reads it (loadDotEnv). */
function dotEnvValue(dir: string, name: string): string | undefined {
  try {
    return loadDotEnv(dir, {})[name];
  } catch (err) {
    throw new UserError(join(dir, ".env"), `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The database must be at exactly this build's schema: an older one would need a migration, a newer one may have changed what is read. */
function checkSchema(sqlite: Database.Database, where: string): void {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(DEFAULT_MIGRATION_TABLE);
  if (!table) throw new UserError(where, `not the app's database: it has no schema history (no ${DEFAULT_MIGRATION_TABLE} table)`);
  const done = sqlite.prepare(`SELECT name FROM "${DEFAULT_MIGRATION_TABLE}"`).pluck().all() as string[];
  const wanted = Object.keys(migrations);
  const unknown = done.filter((name) => !wanted.includes(name));
  if (unknown.length > 0) throw new UserError(where, `the database was migrated by a newer version of the app (migration ${unknown[0]} is unknown here); use that version's governance command`);
  const missing = wanted.filter((name) => !done.includes(name));
  if (missing.length > 0) {
    throw new UserError(where, `the database is at an older schema (${done.length} of ${wanted.length} migrations); start the app once to migrate it (governance runs never changes the database)`);
  }
}
