// The store of the commands that only read (`governance runs`, `governance export`): the app's database (DATABASE_URL, found as the app finds it), opened read-only.
import { join } from "node:path";
import type { Store } from "../domain/ports.js";
import { DEFAULT_DATABASE_URL, displayDatabaseUrl, openStore, ReadOnlyStoreError } from "../store/open-store.js";
import { loadDotEnv } from "../startup.js";
import { UserError } from "./io.js";

/** What `governance runs` reads: the Store port's run queries, nothing that writes. */
export type RunReader = Pick<Store, "getRun" | "listRuns" | "close">;

/**
 * Opens the app's database (DATABASE_URL, found as the app finds it) with openStore's
 * `readOnly` option: no pragma that writes and no migration; it reads a consistent snapshot
 * while the app writes. A file that is missing, not the app's, or at another schema version is
 * refused with one line; it is never created, migrated or changed.
 */
export async function openRunReader(env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<RunReader> {
  return openReadOnly(env, cwd, "runs");
}

/** The store read-only for `governance <command>`, refused with one line as openRunReader says. */
export async function openReadOnly(env: Readonly<Record<string, string | undefined>>, cwd: string, command: string): Promise<Store> {
  const { url, where } = databaseUrl(env, cwd);
  try {
    return await openStore(url, { readOnly: true, cwd });
  } catch (err) {
    if (!(err instanceof ReadOnlyStoreError)) throw err;
    // The read-only store's messages speak of `governance runs`, its first user.
    let message = err.message.replace(/^DATABASE_URL /, "");
    if (command !== "runs") message = message.replace("keeps the app's runs", "keeps the app's data").replace("governance runs never", `governance ${command} never`);
    // A problem of the URL itself is DATABASE_URL's; one of the file it names, where that URL was found.
    throw new UserError(err.about === "url" ? "DATABASE_URL" : where, message);
  }
}

/**
 * DATABASE_URL as the app finds it: from the environment, else from `./.env` (which `npm start`
 * reads too), else the default. `where` says which, for messages: a sqlite: URL as it is (it
 * holds no credentials), a postgres:// one without its password (displayDatabaseUrl).
 */
export function databaseUrl(env: Readonly<Record<string, string | undefined>>, cwd: string): { url: string; where: string } {
  const set = env.DATABASE_URL?.trim();
  if (set) return { url: set, where: `DATABASE_URL=${displayDatabaseUrl(set)}` };
  const fromFile = dotEnvValue(cwd, "DATABASE_URL")?.trim();
  if (fromFile) return { url: fromFile, where: `DATABASE_URL=${displayDatabaseUrl(fromFile)} (from .env)` };
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
