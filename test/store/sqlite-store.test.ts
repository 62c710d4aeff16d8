import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, type Kysely, type Migration } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { configureSqlite } from "../../src/store/sqlite-connection.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { openStore } from "../../src/store/open-store.js";
import { makeRun } from "./fixtures.js";
import { describeStoreContract } from "./store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "governance-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => join(dir, `db-${++files}.sqlite`);

describeStoreContract("sqlite::memory:", () => openStore("sqlite::memory:"));

describeStoreContract("sqlite temp file", () => openStore(`sqlite:${tempFile()}`), {
  shared: async () => {
    const file = tempFile();
    return { open: () => openStore(`sqlite:${file}`) };
  },
});

/** The tables a raw connection sees, without SQLite's own. */
function tables(file: string): string[] {
  const raw = new Database(file, { readonly: true });
  try {
    return raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  } finally {
    raw.close();
  }
}

describe("SQLite connection", () => {
  it("runs in WAL mode with foreign keys on and a busy timeout", () => {
    const raw = new Database(tempFile());
    try {
      expect(configureSqlite(raw, 1_234)).toEqual({ journalMode: "wal", busyTimeoutMs: 1_234, foreignKeys: true });
    } finally {
      raw.close();
    }
  });

  it("a file database stays in WAL mode for every later connection", async () => {
    const file = tempFile();
    await (await openSqliteStore(file)).close();
    const raw = new Database(file);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });
});

describe("SQLite migrations", () => {
  it("create the tables once, and reopening runs nothing again", async () => {
    const file = tempFile();
    const first = await openSqliteStore(file);
    await first.createRun(makeRun({ dedupeKey: "kept" }));
    await first.close();
    const second = await openSqliteStore(file);
    expect((await second.listRuns()).map((r) => r.dedupeKey)).toEqual(["kept"]);
    await second.close();

    expect(tables(file)).toEqual(["deliveries", "effects", "jobs", "kysely_migration", "kysely_migration_lock", "run_logs", "runs", "schedules"]);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM kysely_migration").pluck().all()).toEqual(Object.keys(migrations));
    raw.close();
  });

  it("a failing migration leaves a new database empty and says which one failed", async () => {
    const file = tempFile();
    const broken: Migration = {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable("half_done").addColumn("id", "text").execute();
        await sql`this is not sql`.execute(db);
      },
    };
    await expect(openSqliteStore(file, { migrations: { ...migrations, "9999_broken": broken } })).rejects.toThrow(
      /migration "9999_broken" failed: .*syntax error.*Nothing was applied/,
    );
    expect(tables(file)).toEqual([]);
  });

  it("a failing migration leaves an existing database as it was, data included", async () => {
    const file = tempFile();
    const store = await openSqliteStore(file);
    await store.createRun(makeRun({ dedupeKey: "survivor" }));
    await store.close();
    const before = tables(file);
    const broken: Migration = {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("runs").addColumn("extra", "text").execute();
        throw new Error("disk on fire");
      },
    };
    await expect(openSqliteStore(file, { migrations: { ...migrations, "9999_broken": broken } })).rejects.toThrow(/"9999_broken" failed: disk on fire/);
    expect(tables(file)).toEqual(before);
    const reopened = await openSqliteStore(file);
    const [run] = await reopened.listRuns();
    expect(run?.dedupeKey).toBe("survivor");
    await reopened.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM pragma_table_info('runs') WHERE name = 'extra'").all()).toEqual([]);
    raw.close();
  });

  it("a database migrated by a newer version is refused with advice", async () => {
    const file = tempFile();
    const newer: Migration = { async up() {} };
    await (await openSqliteStore(file, { migrations: { ...migrations, "9999_newer": newer } })).close();
    await expect(openSqliteStore(file)).rejects.toThrow(/9999_newer is missing.*newer version of the app/);
  });

  it("several stores opening one new file at once migrate it once", async () => {
    const file = tempFile();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openSqliteStore(file)));
    await Promise.all(stores.map((s) => s.close()));
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT count(*) FROM kysely_migration").pluck().get()).toBe(Object.keys(migrations).length);
    raw.close();
  });
});
