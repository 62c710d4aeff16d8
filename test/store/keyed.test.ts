import { Kysely, SqliteDialect, type Compilable } from "kysely";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { KeyedStatements, keyed, keyedInsert, keyedInsertRows } from "../../src/store/keyed.js";
import * as q from "../../src/store/queries.js";
import type { Tables } from "../../src/store/schema.js";

const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: new Database(":memory:") }) });

/** A keyed query that counts how often Kysely builds it. */
function counted<R>(query: { key: string; parameters: readonly unknown[]; compile: Compilable<R>["compile"] }) {
  let builds = 0;
  return {
    query: keyed(query.key, query.parameters, () => {
      builds++;
      return { compile: query.compile };
    }),
    builds: () => builds,
  };
}

describe("keyed statements", () => {
  it("are compiled by Kysely once per key; later uses bind only their parameters", () => {
    const statements = new KeyedStatements(false);
    const first = counted(q.selectInstallationFinish(db, 7));
    expect(statements.compile(first.query)).toEqual({ sql: expect.stringContaining('from "installation_queues"'), parameters: [7] });
    const second = counted(q.selectInstallationFinish(db, 8));
    expect(statements.compile(second.query).parameters).toEqual([8]);
    expect([first.builds(), second.builds()]).toEqual([1, 0]);
  });

  it("refuse parameters that are not the ones Kysely compiles, at the first compilation", () => {
    const statements = new KeyedStatements(false);
    // The upsert binds its finish time twice (VALUES and DO UPDATE SET): [1, 2] misses one.
    const upsert = () =>
      db
        .insertInto("installation_queues")
        .values({ installation_id: 1, finish_at: 2 })
        .onConflict((oc) => oc.column("installation_id").doUpdateSet({ finish_at: 2 }));
    expect(() => statements.compile(keyed("upsert", [1, 2], upsert))).toThrow(/upsert: its parameters are not the ones Kysely compiles/);
    expect(statements.compile(keyed("upsert", [1, 2, 2], upsert)).parameters).toEqual([1, 2, 2]);
  });

  it("in check mode, find SQL that depends on more than its key", () => {
    const statements = new KeyedStatements(true);
    statements.compile(keyed("runs", ["a"], () => db.selectFrom("runs").select("id").where("id", "=", "a")));
    const other = keyed("runs", ["a"], () => db.selectFrom("runs").select("version").where("id", "=", "a"));
    expect(() => statements.compile(other)).toThrow(/runs: its SQL depends on more than its key/);
    // Without the check the cached text is trusted: why the test suite runs with the check on.
    const trusting = new KeyedStatements(false);
    trusting.compile(keyed("runs", ["a"], () => db.selectFrom("runs").select("id").where("id", "=", "a")));
    expect(trusting.compile(other).sql).toContain('select "id"');
  });

  it("key an INSERT by its defined columns, so rows of other shapes get SQL of their own", () => {
    const statements = new KeyedStatements(true);
    const full = keyedInsert("ins", { key: "k", kind: "x", status: "done" as const, claimed_at: "t", result: null }, (r) => db.insertInto("effects").values(r));
    const partial = keyedInsert("ins", { key: "k", kind: "x", status: "done" as const, claimed_at: "t", result: undefined }, (r) => db.insertInto("effects").values(r));
    expect(full.key).not.toBe(partial.key);
    expect(statements.compile(full).parameters).toEqual(["k", "x", "done", "t", null]);
    expect(statements.compile(partial).parameters).toEqual(["k", "x", "done", "t"]);
  });

  it("key a multi-row INSERT by its row count and shape; mixed shapes are left to Kysely", () => {
    const rows = [
      { run_id: "r", ts: "t1", level: "info", message: "a", meta: null },
      { run_id: "r", ts: "t2", level: "info", message: "b", meta: null },
    ];
    const two = keyedInsertRows("logs", rows, (r) => db.insertInto("run_logs").values(r));
    expect("key" in two && two.key).toBe("logs(2xrun_id,ts,level,message,meta)");
    expect(new KeyedStatements(true).compile(two).parameters).toEqual(["r", "t1", "info", "a", null, "r", "t2", "info", "b", null]);
    const mixed = keyedInsertRows("logs", [rows[0]!, { ...rows[1]!, meta: undefined }], (r) => db.insertInto("run_logs").values(r));
    expect("key" in mixed).toBe(false);
  });
});
