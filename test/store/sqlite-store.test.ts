import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, SqliteDialect, sql, type Migration } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import * as q from "../../src/store/queries.js";
import type { Tables } from "../../src/store/schema.js";
import { configureSqlite } from "../../src/store/sqlite-connection.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { openStore } from "../../src/store/open-store.js";
import * as tq from "../../src/store/task-queries.js";
import { makeRun, makeTask } from "./fixtures.js";
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

describe("SQLite group commit", () => {
  it("the writes asked for in one turn are one commit; later writes are another", async () => {
    const file = tempFile();
    const store = await openSqliteStore(file);
    const watcher = new Database(file);
    const commits = () => watcher.pragma("data_version", { simple: true }) as number;
    try {
      const before = commits();
      const run = makeRun();
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => store.enqueue({ type: "t", payload: { i }, runAt: new Date() })),
        store.createRun(run),
        store.recordEffects([{ key: "k", kind: "comment", result: { id: 1 } }], new Date()),
      ]);
      // data_version moves once per commit of another connection.
      expect(commits()).toBe(before + 1);
      await store.enqueue({ type: "t", payload: { i: 10 }, runAt: new Date() });
      expect(commits()).toBe(before + 2);
    } finally {
      watcher.close();
      await store.close();
    }
  });

  it("a write that fails in a group fails alone, and rolls back alone", async () => {
    const store = await openSqliteStore(tempFile());
    try {
      const [a, b] = [makeRun({ status: "running" }), makeRun({ status: "running" })];
      const storedA = (await store.createRun(a)).run;
      const storedB = (await store.createRun(b)).run;
      const results = await Promise.allSettled([
        // Its state is written first; then its effect (a BigInt: not JSON) fails the write.
        store.commitRun({ ...storedA, status: "succeeded" }, { effects: [{ key: "bad", kind: "comment", result: { n: 1n } }] }),
        store.commitRun({ ...storedB, status: "succeeded" }, { jobs: [{ type: "t", payload: {}, key: "after-b", runAt: new Date(0) }] }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
      expect(await store.getRun(a.id)).toMatchObject({ status: "running", version: 1 });
      expect(await store.getRun(b.id)).toMatchObject({ status: "succeeded", version: 2 });
      expect(await store.claimJob("w", new Date(), 1_000)).toMatchObject({ type: "t" });
    } finally {
      await store.close();
    }
  });

  it("closing the store commits the writes still waiting for their turn", async () => {
    const file = tempFile();
    const store = await openSqliteStore(file);
    const queued = store.enqueue({ type: "t", payload: { last: true }, runAt: new Date(0) });
    await store.close();
    expect(await queued).toBe(true);
    const again = await openSqliteStore(file);
    expect(await again.claimJob("w", new Date(), 1_000)).toMatchObject({ payload: { last: true } });
    await again.close();
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

    expect(tables(file)).toEqual([
      "deliveries",
      "effects",
      "installation_index",
      "installation_queues",
      "jobs",
      "kysely_migration",
      "kysely_migration_lock",
      "queue_state",
      "repository_workflows",
      "run_logs",
      "run_waits",
      "runs",
      "schedules",
      "stored_workflow_versions",
      "stored_workflows",
      "tasks",
      "worker_presence",
    ]);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM kysely_migration").pluck().all()).toEqual(Object.keys(migrations));
    raw.close();
  });

  it("0004 keeps what was stored: queued jobs stay claimable, leases stay, waiting runs get their wait index entries", async () => {
    const file = tempFile();
    const names = Object.keys(migrations);
    const before = Object.fromEntries(names.slice(0, names.indexOf("0004_single_writer_runs_and_fair_jobs")).map((n) => [n, migrations[n]!]));
    (await openSqliteStore(file, { migrations: before })).close();
    const raw = new Database(file);
    const waiting = makeRun({
      status: "running",
      steps: [{ stepId: "gate", type: "approval", status: "waiting", attempt: 1, waiting: { kind: "approval", approvers: ["lead"], minApprovals: 1, votes: [] } }],
    });
    raw
      .prepare(
        `INSERT INTO runs (id, dedupe_key, workflow_id, workflow_name, workflow_version, workflow_path, workflow_commit, definition, installation_id, repository, delivery_id, trigger_index, status, created_at, steps)
         VALUES (?, ?, 'wf', 'W', '1.0.0', '.governance/w.yml', 'c', ?, 1, 'acme/api', 'd', 0, 'running', '2030-01-01T00:00:00.000Z', ?)`,
      )
      .run(waiting.id, waiting.dedupeKey, JSON.stringify(waiting.definition), JSON.stringify(waiting.steps));
    const job = raw.prepare(`INSERT INTO jobs (id, type, payload, key, run_at, attempts, status, locked_by, locked_until, created_at, updated_at) VALUES (?, ?, '{}', ?, ?, ?, ?, ?, ?, 'x', 'x')`);
    job.run("j-due", "run", "k-due", "2030-01-01T00:00:00.000Z", 0, "queued", null, null);
    job.run("j-later", "run", "k-later", "2030-01-02T00:00:00.000Z", 0, "queued", null, null);
    job.run("j-held", "run", "k-held", "2030-01-01T00:00:00.000Z", 1, "running", "gone/1/x", "2030-01-01T00:01:00.000Z");
    raw.close();

    const store = await openSqliteStore(file);
    expect(await store.findWaitingRuns({ repository: "acme/api", event: "approval", targets: ["#5", "*"] })).toEqual([waiting.id]);
    expect((await store.getRun(waiting.id))!.version).toBe(1);
    expect(await store.leaseHolders()).toEqual(["gone/1/x"]);
    expect((await store.claimJob("w", new Date("2030-01-01T00:00:30.000Z"), 1_000))?.id).toBe("j-due");
    expect(await store.completeJob("j-due", "w")).toBe(true);
    expect(await store.claimJob("w", new Date("2030-01-01T00:00:30.000Z"), 1_000)).toBeUndefined();
    expect((await store.claimJob("w", new Date("2030-01-01T00:02:00.000Z"), 1_000))?.id).toBe("j-held");
    expect(await store.completeJob("j-held", "w")).toBe(true);
    expect((await store.claimJob("w", new Date("2030-01-02T00:00:00.000Z"), 1_000))?.id).toBe("j-later");
    await store.close();
  });

  it("the job queue's queries use the partial index of the status they look for, never a scan of the table", async () => {
    const file = tempFile();
    (await openSqliteStore(file)).close();
    const raw = new Database(file, { readonly: true });
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
    const now = "2030-01-01T00:00:00.000Z";
    const plan = (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const { sql: text, parameters } = query.compile();
      return (raw.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...parameters) as { detail: string }[]).map((r) => r.detail).join(" | ");
    };
    expect(plan(q.selectNextQueued(db, now))).toMatch(/^SCAN j USING INDEX jobs_queued_idx .*SEARCH r USING INDEX jobs_running_key_idx/);
    expect(plan(q.selectDueScheduled(db, now, 10))).toBe("SEARCH jobs USING INDEX jobs_scheduled_idx (run_at<?)");
    expect(plan(q.selectExpiredLease(db, now))).toBe("SEARCH jobs USING INDEX jobs_running_idx (locked_until<?)");
    expect(plan(q.selectLeaseHolders(db))).toMatch(/^SCAN jobs USING INDEX jobs_running_idx/);
    raw.close();
  });

  it("0006 adds the tasks table to a database at 0005 and keeps what was stored", async () => {
    const file = tempFile();
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0006"));
    const old = await openSqliteStore(file, { migrations: before });
    await old.createRun(makeRun({ dedupeKey: "from-0005" }));
    await old.close();
    expect(tables(file)).not.toContain("tasks");
    const store = await openSqliteStore(file);
    expect((await store.listRuns()).map((r) => r.dedupeKey)).toEqual(["from-0005"]);
    const task = makeTask();
    expect((await store.createTask(task)).created).toBe(true);
    await store.close();
    const again = await openSqliteStore(file);
    expect(await again.getTask(task.id)).toEqual({ ...task, version: 1 });
    await again.close();
  });

  it("the task look-ups use their indexes, never a scan of the table", async () => {
    const file = tempFile();
    (await openSqliteStore(file)).close();
    const raw = new Database(file, { readonly: true });
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
    const plan = (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const { sql: text, parameters } = query.compile();
      return (raw.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...parameters) as { detail: string }[]).map((r) => r.detail).join(" | ");
    };
    expect(plan(tq.selectTask(db, { repositoryKey: "acme/api", issueNumber: 5 }))).toMatch(/^SEARCH tasks USING INDEX sqlite_autoindex_tasks_\d \(repository_key=\? AND issue_number=\?\)$/);
    expect(plan(tq.selectTask(db, { fingerprint: "f" }))).toMatch(/^SEARCH tasks USING INDEX sqlite_autoindex_tasks_\d \(fingerprint=\?\)$/);
    expect(plan(tq.selectTask(db, { key: "k" }))).toMatch(/^SEARCH tasks USING INDEX sqlite_autoindex_tasks_\d \(key=\?\)$/);
    expect(plan(tq.selectTasks(db, {}, 50))).toBe("SCAN tasks USING INDEX tasks_created_at_idx");
    expect(plan(tq.selectTasks(db, { repositoryKey: "acme/api" }, 50))).toBe("SEARCH tasks USING INDEX tasks_repository_idx (repository_key=?)");
    expect(plan(tq.selectTasks(db, { status: "open" }, 50))).toBe("SEARCH tasks USING INDEX tasks_status_idx (status=?)");
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
