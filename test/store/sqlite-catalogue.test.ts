// The workflow catalogue on SQLite beyond the contract: migration 0007 over an existing database, and the indexes its queries and listRuns' pages use.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import * as cq from "../../src/store/catalogue-queries.js";
import { migrations } from "../../src/store/migrations.js";
import * as q from "../../src/store/queries.js";
import type { Tables } from "../../src/store/schema.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { makeRepoWorkflow, makeVersion } from "./contract/catalogue-fixtures.js";
import { makeRun, makeTask } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "governance-catalogue-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => join(dir, `db-${++files}.sqlite`);

/** SQLite's plan of a query, its steps joined with " | ". */
function planner(raw: Database.Database) {
  return (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
    const { sql: text, parameters } = query.compile();
    return (raw.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...parameters) as { detail: string }[]).map((r) => r.detail).join(" | ");
  };
}

describe("SQLite migration 0007_workflow_catalogue", () => {
  it("adds the catalogue's tables to a database at 0006 and keeps what was stored", async () => {
    const file = tempFile();
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0007"));
    const old = await openSqliteStore(file, { migrations: before });
    await old.createRun(makeRun({ dedupeKey: "from-0006" }));
    const task = makeTask();
    await old.createTask(task);
    await old.close();

    const store = await openSqliteStore(file);
    expect((await store.listRuns()).map((r) => r.dedupeKey)).toEqual(["from-0006"]);
    expect(await store.getTask(task.id)).toEqual({ ...task, version: 1 });
    expect((await store.createWorkflow({ id: "wf-1", owner: "acme" }, makeVersion("wf-1"))).created).toBe(true);
    await store.replaceRepositoryWorkflows("acme/api", 1, [makeRepoWorkflow("acme/api", "wf-2", { installationId: 1 })]);
    await store.close();

    const again = await openSqliteStore(file);
    expect((await again.listCatalogue()).entries.map((e) => e.workflow.id)).toEqual(["wf-1", "wf-2"]);
    await again.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM kysely_migration ORDER BY name").pluck().all()).toEqual(Object.keys(migrations));
    raw.close();
  });

  it("its down drops the three tables", async () => {
    const file = tempFile();
    await (await openSqliteStore(file)).close();
    const raw = new Database(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    await migrations["0007_workflow_catalogue"]!.down!(db);
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%workflow%'").pluck().all();
    await db.destroy();
    expect(tables).toEqual([]);
  });
});

describe("SQLite catalogue and run pages: index use", () => {
  it("the catalogue's look-ups and pages use their indexes, never a scan of a table", async () => {
    const file = tempFile();
    (await openSqliteStore(file)).close();
    const raw = new Database(file, { readonly: true });
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
    const plan = planner(raw);
    expect(plan(cq.selectStoredWorkflow(db, { id: "x" }))).toMatch(/^SEARCH stored_workflows USING INDEX sqlite_autoindex_stored_workflows_\d \(id=\?\)$/);
    expect(plan(cq.selectStoredWorkflow(db, { ownerKey: "acme", nameKey: "triage" }))).toMatch(/^SEARCH stored_workflows USING INDEX sqlite_autoindex_stored_workflows_\d \(owner_key=\? AND name_key=\?\)$/);
    expect(plan(cq.selectWorkflowVersions(db, "x"))).toMatch(/^SEARCH stored_workflow_versions USING INDEX sqlite_autoindex_stored_workflow_versions_\d \(workflow_id=\?\)$/);
    expect(plan(cq.selectWorkflowVersion(db, "x", "1.0.0"))).toMatch(/USING INDEX sqlite_autoindex_stored_workflow_versions_\d \(workflow_id=\? AND version=\?\)$/);
    expect(plan(cq.selectWorkflowVersion(db, "x", undefined))).not.toMatch(/SCAN/);
    expect(plan(cq.selectLatestVersionsOf(db, "acme"))).not.toMatch(/SCAN/);
    expect(plan(cq.selectRepositoryWorkflowsById(db, "x"))).toBe("SEARCH repository_workflows USING INDEX repository_workflows_id_idx (id=?)");
    const after = { id: "wf-a", source: "repository" as const, repositoryKey: "acme/api", path: "p" };
    expect(plan(cq.selectCatalogueWorkflows(db, {}, after, 51))).toMatch(/^SEARCH stored_workflows USING INDEX sqlite_autoindex_stored_workflows_\d \(id>\?\)$/);
    expect(plan(cq.selectCatalogueRepositoryWorkflows(db, {}, after, 51))).toBe("SEARCH repository_workflows USING INDEX repository_workflows_id_idx (id>?)");
    expect(plan(cq.selectCatalogueRepositoryWorkflows(db, {}, undefined, 51))).toBe("SCAN repository_workflows USING INDEX repository_workflows_id_idx");
    await db.destroy();
  });

  it("a page of runs before one keeps the index of its filter", async () => {
    const file = tempFile();
    (await openSqliteStore(file)).close();
    const raw = new Database(file, { readonly: true });
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: raw }) });
    const plan = planner(raw);
    const before = { createdAt: "2030-01-01T00:00:00.000Z", id: "run-9" };
    for (const filter of [{}, { repository: "acme/api" }, { workflowId: "wf" }]) {
      const index = plan(q.selectRuns(db, filter, 50)).match(/USING INDEX (\w+)/)?.[1];
      expect(index, JSON.stringify(filter)).toBeDefined();
      expect(plan(q.selectRuns(db, { ...filter, before }, 50))).toContain(`USING INDEX ${index}`);
      expect(plan(q.selectRuns(db, { ...filter, before }, 50))).not.toMatch(/^SCAN runs$/);
    }
    await db.destroy();
  });
});
