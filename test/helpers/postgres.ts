/**
 * The real PostgreSQL the tests use (127.0.0.1:5432, database `test`, trust auth; override with
 * TEST_POSTGRES_URL): a schema of its own per test file, dropped afterwards. PostgreSQL being
 * down fails the tests with a line that says how to start it: never a silent skip.
 */
import pg from "pg";

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A new, unused schema name for this test file (`t_<tag>_<time>_<random>`). */
export function schemaName(tag: string): string {
  return `t_${tag.replace(/[^a-z0-9_]/g, "_")}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** DATABASE_URL of a schema (created by the store when it migrates). */
export function schemaUrl(schema: string): string {
  return `${POSTGRES_URL}${POSTGRES_URL.includes("?") ? "&" : "?"}schema=${schema}`;
}

/** Runs one statement as the test's administrator; fails with how to start PostgreSQL when it is down. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_URL.replace(/\/\/[^@]*@/, "//…@")} (${(err as Error).message}): start it with ` +
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (.ci/run does); the Postgres tests are never skipped",
    );
  }
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`drop schema if exists "${schema}" cascade`);
}
