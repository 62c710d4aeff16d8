// The store of `governance export` (read-only) and `governance import` (read-write): the app's database, DATABASE_URL found as the app finds it.
import type { Store } from "../domain/ports.js";
import { MigrationError } from "../store/migration-error.js";
import { openStore, parseDatabaseUrl, type DatabaseTarget } from "../store/open-store.js";
import { UserError } from "./io.js";
import { databaseUrl, openReadOnly } from "./read-only-store.js";

/** What `governance export` reads: the org-wide workflows and their versions, nothing that writes. */
export type CatalogueReader = Pick<Store, "listCatalogue" | "getWorkflowVersion" | "listWorkflowVersions" | "close">;

type Env = Readonly<Record<string, string | undefined>>;

/** Opens the app's database read-only, as `governance runs` does (openReadOnly). */
export async function openCatalogueReader(env: Env, cwd: string, command: string): Promise<CatalogueReader> {
  return openReadOnly(env, cwd, command);
}

/** SQLite's refusals of a file that cannot be opened as a database. */
const UNUSABLE = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY"]);

/**
 * Opens the app's database to write, as the app does at start: a missing file is created and
 * an older schema migrated. `sqlite::memory:` is refused: what is written there is lost when the
 * command ends.
 */
export async function openCatalogueWriter(env: Env, cwd: string): Promise<Store> {
  const { url, where } = databaseUrl(env, cwd);
  let target: DatabaseTarget;
  try {
    target = parseDatabaseUrl(url, cwd);
  } catch (err) {
    throw new UserError("DATABASE_URL", (err as Error).message.replace(/^DATABASE_URL /, ""));
  }
  if (target.kind === "sqlite" && target.filename === ":memory:") {
    throw new UserError("DATABASE_URL", "sqlite::memory: would keep the imported workflows in this command's own memory, lost when it ends; point DATABASE_URL at the app's database file");
  }
  try {
    return await openStore(url, { cwd });
  } catch (err) {
    if (err instanceof MigrationError) throw new UserError(where, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    // The server's and the driver's messages name the host and the user at most, never the password.
    if (target.kind === "postgres") throw new UserError(where, `cannot open the Postgres database: ${(err as Error).message}${code === undefined ? "" : ` (${code})`}`);
    if (code !== undefined && UNUSABLE.has(code)) throw new UserError(where, `cannot open ${target.filename}: ${(err as Error).message} (${code})`);
    if (code !== undefined && /^E[A-Z]+$/.test(code)) throw new UserError(where, `cannot create the database's folder for ${target.filename}: ${code}`);
    throw err;
  }
}
