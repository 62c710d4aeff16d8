// The store's migrations on the real PostgreSQL: every one applies (the same portable DDL as SQLite), replicas starting at once migrate once under the advisory lock, and a URL's password never reaches a message.
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { openPostgres, parsePostgresUrl } from "../../src/store/pg-connection.js";
import { migratePostgres } from "../../src/store/pg-migrate.js";
import { adminQuery, dropSchema, schemaName, schemaUrl } from "../helpers/postgres.js";

const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

async function tablesOf(schema: string): Promise<string[]> {
  const r = await adminQuery<{ table_name: string }>("select table_name from information_schema.tables where table_schema = $1 order by 1", [schema]);
  return r.rows.map((row) => row.table_name);
}

describe("migrations on PostgreSQL", () => {
  it("applies every migration to a new schema, and nothing the second time", async () => {
    const schema = schemaName("migrate");
    schemas.push(schema);
    const database = openPostgres(parsePostgresUrl(schemaUrl(schema)));
    try {
      const first = await migratePostgres(database.db, database.target, migrations);
      expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual(Object.keys(migrations).map((name) => [name, "Success"]));
      expect(await tablesOf(schema)).toEqual(expect.arrayContaining(["deliveries", "runs", "run_logs", "run_waits", "effects", "jobs", "schedules", "tasks", "stored_workflows", "stored_workflow_versions", "repository_workflows"]));
      const again = await migratePostgres(database.db, database.target, migrations);
      expect(again.results).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it("migrates once when several replicas start at the same moment", async () => {
    const schema = schemaName("replicas");
    schemas.push(schema);
    const replicas = Array.from({ length: 4 }, () => openPostgres(parsePostgresUrl(schemaUrl(schema)), { max: 2 }));
    try {
      const outcomes = await Promise.all(replicas.map((r) => migratePostgres(r.db, r.target, migrations)));
      const applied = outcomes.flatMap((o) => o.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
      expect(applied.sort()).toEqual(Object.keys(migrations).sort());
      const recorded = await adminQuery<{ n: string }>(`select count(*)::text as n from "${schema}".kysely_migration`);
      expect(Number(recorded.rows[0]!.n)).toBe(Object.keys(migrations).length);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it("rolls a failing migration back whole: the schema is as it was", async () => {
    const schema = schemaName("failing");
    schemas.push(schema);
    const database = openPostgres(parsePostgresUrl(schemaUrl(schema)));
    try {
      const broken = { ...migrations, "9999_broken": { up: async () => Promise.reject(new Error("no such thing")) } };
      await expect(migratePostgres(database.db, database.target, broken)).rejects.toThrow(/migration "9999_broken" failed: no such thing\. Nothing was applied/);
      // Nothing of the store's: only Kysely's own bookkeeping, with no migration recorded.
      expect(await tablesOf(schema)).toEqual(["kysely_migration", "kysely_migration_lock"]);
      expect((await adminQuery(`select name from "${schema}".kysely_migration`)).rows).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it("reads postgres URLs with a schema, and never shows a password in an error", () => {
    expect(parsePostgresUrl("postgres://app:s3cret@db.internal:5432/governance?schema=gov_1")).toEqual({ kind: "postgres", connectionString: "postgres://app:s3cret@db.internal:5432/governance", schema: "gov_1" });
    expect(parsePostgresUrl("postgresql://db/governance")).toEqual({ kind: "postgres", connectionString: "postgresql://db/governance" });
    for (const bad of ["postgres://app:s3cret@db/x?schema=Bad-Name", "postgres://app:s3cret@/x", "postgres//app:s3cret@db"]) {
      let message = "";
      try {
        parsePostgresUrl(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe("");
      expect(message).not.toContain("s3cret");
    }
  });
});
