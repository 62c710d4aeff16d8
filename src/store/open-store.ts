// Picks and opens the store implementation a DATABASE_URL names (SQLite, or PostgreSQL for postgres:// URLs), read-write or read-only.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Clock, Store } from "../domain/ports.js";
import { parsePostgresUrl, type PostgresTarget } from "./pg-connection.js";
import { openPgStoreReadOnly } from "./pg-read-only.js";
import { openPgStore } from "./pg-store.js";
import { openSqliteStoreReadOnly, ReadOnlyStoreError } from "./sqlite-read-only.js";
import { openSqliteStore } from "./sqlite-store.js";
import type { WriteGate } from "./write-gate.js";

export { ReadOnlyStoreError } from "./sqlite-read-only.js";

export const DEFAULT_DATABASE_URL = "sqlite:./data/governance.db";

const ACCEPTED_FORMS = "sqlite:<path> (relative to the working directory, e.g. sqlite:./data/governance.db), sqlite:/absolute/path.db, sqlite::memory:, or postgres://user:password@host:5432/database[?schema=name]";

/**
 * Where a DATABASE_URL points: a SQLite file (or this process's memory), or a PostgreSQL database
 * (its connection string holds the password: never show it). A Postgres target has no `filename`
 * (typed `undefined`), so a check such as `target.filename === ":memory:"` holds for both kinds;
 * `inProcessMemory` says it by name.
 */
export type DatabaseTarget = { kind: "sqlite"; filename: string } | (PostgresTarget & { filename?: undefined });

/** Whether the database lives in this process's own memory (sqlite::memory:), where no other thread or process can reach it. */
export function inProcessMemory(target: DatabaseTarget): boolean {
  return target.kind === "sqlite" && target.filename === ":memory:";
}

/**
 * A DATABASE_URL as messages may show it: a sqlite: URL as it is (it holds no credentials), any
 * other without its password (and, when it does not even parse, as its scheme alone).
 */
export function displayDatabaseUrl(databaseUrl: string): string {
  const url = databaseUrl.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "sqlite") return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return scheme === undefined ? "(not a URL)" : `${scheme}:…`;
  }
}

/**
 * Reads a DATABASE_URL. Errors name the accepted forms and, at most, the URL's scheme: the rest
 * of a URL can hold a password, so it never reaches a message (or the log it ends up in).
 */
export function parseDatabaseUrl(databaseUrl: string, cwd = process.cwd()): DatabaseTarget {
  const url = databaseUrl.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  // Its errors say what is wrong, never the URL itself.
  if (scheme === "postgres" || scheme === "postgresql") return parsePostgresUrl(url);
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
  /** SQLite only: write priority among the threads sharing the file (Postgres connections need none). */
  writeGate?: WriteGate;
  /**
   * Opens an existing database as it is, for reading: never creates, migrates or changes it
   * (its writes fail). A DATABASE_URL that names no readable file (sqlite::memory:, a parse
   * error), a file that is missing, not the app's database, or at another schema version is
   * refused with a ReadOnlyStoreError. On Postgres: every transaction is read-only (the server
   * refuses writes), and a database that cannot be reached, has no store in its schema, or is
   * at another schema version is refused the same way.
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
  if (target.kind === "postgres") return openPgStore(url, options.clock ? { clock: options.clock } : {});
  if (target.filename !== ":memory:") mkdirSync(dirname(target.filename), { recursive: true });
  return openSqliteStore(target.filename, options);
}

const systemClock: Clock = { now: () => new Date() };

async function openReadOnly(databaseUrl: string, options: OpenStoreOptions): Promise<Store> {
  let target: DatabaseTarget;
  try {
    target = parseDatabaseUrl(databaseUrl, options.cwd);
  } catch (err) {
    // The messages name the accepted forms and at most the URL's scheme, never its password.
    throw new ReadOnlyStoreError("url", (err as Error).message, { cause: err });
  }
  if (target.kind === "postgres") return openPgStoreReadOnly(databaseUrl, options.clock ?? systemClock);
  return openSqliteStoreReadOnly(target.filename, options.clock ?? systemClock);
}
