// Picks and opens the store implementation a DATABASE_URL names (SQLite today), read-write or read-only.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Clock, Store } from "../domain/ports.js";
import { openSqliteStoreReadOnly, ReadOnlyStoreError } from "./sqlite-read-only.js";
import { openSqliteStore } from "./sqlite-store.js";
import type { WriteGate } from "./write-gate.js";

export { ReadOnlyStoreError } from "./sqlite-read-only.js";

export const DEFAULT_DATABASE_URL = "sqlite:./data/governance.db";

const ACCEPTED_FORMS = "sqlite:<path> (relative to the working directory, e.g. sqlite:./data/governance.db), sqlite:/absolute/path.db, or sqlite::memory:";

/** Where a DATABASE_URL points. */
export type DatabaseTarget = { kind: "sqlite"; filename: string };

/**
 * Reads a DATABASE_URL. Errors name the accepted forms and, at most, the URL's scheme: the rest
 * of a URL can hold a password, so it never reaches a message (or the log it ends up in).
 */
export function parseDatabaseUrl(databaseUrl: string, cwd = process.cwd()): DatabaseTarget {
  const url = databaseUrl.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    throw new Error(`DATABASE_URL names a Postgres database, but the Postgres backend is not available yet. Use ${ACCEPTED_FORMS}.`);
  }
  if (scheme !== "sqlite") {
    const what = scheme === undefined ? "is not a database URL" : `uses the unsupported scheme "${scheme}:"`;
    throw new Error(`DATABASE_URL ${what}. Use ${ACCEPTED_FORMS}.`);
  }
  const path = url.slice("sqlite:".length);
  if (path === ":memory:") return { kind: "sqlite", filename: ":memory:" };
  // "sqlite://…" reads as a host, not a path; say what to write instead of guessing.
  if (path === "" || path.startsWith("//")) {
    throw new Error(`DATABASE_URL "sqlite:" needs a file path right after the colon. Use ${ACCEPTED_FORMS}.`);
  }
  return { kind: "sqlite", filename: resolve(cwd, path) };
}

export interface OpenStoreOptions {
  clock?: Clock;
  writeGate?: WriteGate;
  /**
   * Opens an existing database as it is, for reading: never creates, migrates or changes it
   * (its writes fail). A DATABASE_URL that names no readable file (sqlite::memory:, a parse
   * error), a file that is missing, not the app's database, or at another schema version is
   * refused with a ReadOnlyStoreError.
   */
  readOnly?: boolean;
  /** What a relative sqlite: path is relative to (default: the working directory). */
  cwd?: string;
}

/** Opens the store DATABASE_URL names (default `sqlite:./data/governance.db`), creating the database's folder when needed (unless `readOnly`). */
export async function openStore(databaseUrl: string = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, options: OpenStoreOptions = {}): Promise<Store> {
  // An empty DATABASE_URL= line in a .env means "not set".
  const url = databaseUrl.trim() === "" ? DEFAULT_DATABASE_URL : databaseUrl;
  if (options.readOnly) return openReadOnly(url, options);
  const target = parseDatabaseUrl(url, options.cwd);
  if (target.filename !== ":memory:") mkdirSync(dirname(target.filename), { recursive: true });
  return openSqliteStore(target.filename, options);
}

const systemClock: Clock = { now: () => new Date() };

function openReadOnly(databaseUrl: string, options: OpenStoreOptions): Store {
  let target: DatabaseTarget;
  try {
    target = parseDatabaseUrl(databaseUrl, options.cwd);
  } catch (err) {
    // The messages name the accepted forms and at most the URL's scheme, never its password.
    throw new ReadOnlyStoreError("url", (err as Error).message, { cause: err });
  }
  return openSqliteStoreReadOnly(target.filename, options.clock ?? systemClock);
}
