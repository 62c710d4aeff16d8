import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Clock, Store } from "../domain/ports.js";
import { openSqliteStore } from "./sqlite-store.js";
import type { WriteGate } from "./write-gate.js";

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

/** Opens the store DATABASE_URL names (default `sqlite:./data/governance.db`), creating the database's folder when needed. */
export async function openStore(
  databaseUrl: string = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  options: { clock?: Clock; writeGate?: WriteGate } = {},
): Promise<Store> {
  // An empty DATABASE_URL= line in a .env means "not set".
  const target = parseDatabaseUrl(databaseUrl.trim() === "" ? DEFAULT_DATABASE_URL : databaseUrl);
  if (target.filename !== ":memory:") mkdirSync(dirname(target.filename), { recursive: true });
  return openSqliteStore(target.filename, options);
}
