/**
 * PostgreSQL connections for the store: a `postgres://` DATABASE_URL read without ever showing
 * its password, an optional schema of its own (`?schema=`, for tests and side-by-side
 * installs), and the pool and Kysely instance the store's portable queries run on.
 */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Tables } from "./schema.js";

/** A Postgres database: its connection string (as given, less `schema`) and the schema the store's tables live in. */
export interface PostgresTarget {
  kind: "postgres";
  connectionString: string;
  /** The schema the tables live in (default: the server's search_path, normally `public`). */
  schema?: string;
}

/** A schema name the store accepts: a plain identifier, so it can be written into SQL unquoted. */
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads a `postgres://` or `postgresql://` URL. `?schema=<name>` picks the schema (created when
 * missing). Errors say what is wrong, never the URL itself: it may hold a password.
 */
export function parsePostgresUrl(databaseUrl: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl.trim());
  } catch {
    throw new Error("DATABASE_URL is not a valid postgres:// URL (postgres://user:password@host:5432/database)");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw new Error(`DATABASE_URL uses ${url.protocol}, not postgres:`);
  if (url.hostname === "" && !url.searchParams.has("host")) throw new Error("DATABASE_URL names no host: postgres://user:password@host:5432/database");
  const schema = url.searchParams.get("schema") ?? undefined;
  if (schema !== undefined && !SCHEMA.test(schema)) throw new Error("DATABASE_URL's schema= must be a plain lower-case identifier (letters, digits and _, at most 63)");
  url.searchParams.delete("schema");
  return { kind: "postgres", connectionString: url.toString(), ...(schema === undefined ? {} : { schema }) };
}

/**
 * How values come back: bigint (GitHub's ids, counts) as a JavaScript number, as SQLite gives
 * them (GitHub's ids stay far below 2^53); every other type as pg parses it.
 */
const INT8 = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => (oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text"))) as typeof pg.types.getTypeParser,
};

export interface PostgresDatabase {
  pool: pg.Pool;
  db: Kysely<Tables>;
  target: PostgresTarget;
  close(): Promise<void>;
}

/**
 * A pool (and Kysely over it) whose every connection uses the target's schema. `readOnly`: every
 * transaction of its connections is read-only (the server refuses any write), for the commands
 * that only read.
 */
export function openPostgres(target: PostgresTarget, options: { max?: number; readOnly?: boolean } = {}): PostgresDatabase {
  const settings = [
    // Every connection of the pool looks in the store's schema first.
    ...(target.schema === undefined ? [] : [`-c search_path=${target.schema}`]),
    ...(options.readOnly ? ["-c default_transaction_read_only=on"] : []),
  ];
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: options.max ?? 10,
    types: TYPES,
    ...(settings.length === 0 ? {} : { options: settings.join(" ") }),
  });
  // An idle connection the server drops must not crash the process: the pool replaces it.
  pool.on("error", () => undefined);
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  let closed: Promise<void> | undefined;
  return { pool, db, target, close: () => (closed ??= db.destroy()) };
}
