// The Postgres store's parts (PgTasks, PgCatalogue, PgSchedules, PgRetention) on the real PostgreSQL, through PgStore: the store contract's parts for them run, and their order is SQLite's byte order under any database collation.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { RepositoryInfo } from "../../src/domain/events.js";
import type { Store } from "../../src/domain/ports.js";
import { openPgStore } from "../../src/store/pg-store.js";
import { adminQuery, dropSchema, schemaName, schemaUrl } from "../helpers/postgres.js";
import { catalogueContract } from "./contract/catalogue.js";
import { makeRepoWorkflow, makeVersion } from "./contract/catalogue-fixtures.js";
import { catalogueListContract } from "./contract/catalogue-list.js";
import { retentionContract } from "./contract/retention.js";
import { scheduleContract } from "./contract/schedules.js";
import { taskContract } from "./contract/tasks.js";
import { at, makeTask, T0 } from "./fixtures.js";
import type { ContractHarness } from "./store-contract.js";

const schemas: string[] = [];
afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
});

/** The real Postgres store (PgStore, which hands these methods on to the parts) over one schema, migrated. */
function openParts(schema: string): Promise<Store> {
  return openPgStore(schemaUrl(schema));
}

async function freshSchema(tag: string): Promise<string> {
  const schema = schemaName(tag);
  schemas.push(schema);
  return schema;
}

describe("Store contract parts on PostgreSQL: tasks, catalogue, schedules, retention", () => {
  const opened: Store[] = [];
  const track = async (store: Promise<Store>) => {
    const s = await store;
    opened.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const harness: ContractHarness = {
    fresh: async () => track(openParts(await freshSchema("parts"))),
    shared: async () => {
      const schema = await freshSchema("parts_shared");
      return { open: () => track(openParts(schema)) };
    },
  };
  taskContract(harness);
  catalogueContract(harness);
  catalogueListContract(harness);
  scheduleContract(harness);
  retentionContract(harness);
});

/** Makes the parts' identifier columns compare by a linguistic ICU collation, as a database made with one would. */
async function linguistic(schema: string): Promise<void> {
  const columns: Array<[string, string]> = [
    ["stored_workflows", "id"],
    ["stored_workflow_versions", "workflow_id"],
    ["repository_workflows", "id"],
    ["repository_workflows", "repository_key"],
    ["repository_workflows", "path"],
    ["tasks", "id"],
    ["schedules", "repository"],
    ["schedules", "workflow_path"],
  ];
  for (const [table, column] of columns) await adminQuery(`alter table "${schema}".${table} alter column ${column} type text collate "und-x-icu"`);
}

const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

describe("the parts' order is SQLite's byte order, whatever the database's collation", () => {
  const IDS = ["b", "B", "a-2", "a1", "_x", "Z", "é", "e"];

  it("listCatalogue pages (org-wide and repository entries) come in byte order, and a cursor resumes after its entry", async () => {
    const schema = await freshSchema("icu_catalogue");
    const store = await openParts(schema);
    try {
      await linguistic(schema);
      for (const [i, id] of IDS.entries()) expect((await store.createWorkflow({ id, owner: "acme" }, makeVersion(id, { name: `W${i}` }))).created).toBe(true);
      await store.replaceRepositoryWorkflows("acme/Web", 4_200_000_001, [makeRepoWorkflow("acme/Web", "a1"), makeRepoWorkflow("acme/Web", "B", { path: ".governance/Z.yml" }), makeRepoWorkflow("acme/Web", "B", { path: ".governance/a.yml" })]);
      await store.replaceRepositoryWorkflows("acme/api", 4_200_000_001, [makeRepoWorkflow("acme/api", "B", { path: ".governance/a.yml" })]);
      // The collation is real: ordered by it, the ids are not in byte order.
      const linguisticOrder = (await adminQuery<{ id: string }>(`select id from "${schema}".stored_workflows order by id`)).rows.map((r) => r.id);
      expect(linguisticOrder).not.toEqual([...IDS].sort(bytewise));

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listCatalogue({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.entries.map((e) => (e.source === "api" ? e.workflow.id : `${e.workflow.id}@${e.workflow.repository.toLowerCase()}:${e.workflow.path}`)));
        cursor = page.next;
      } while (cursor !== undefined);
      expect(seen).toEqual(["B", "B@acme/api:.governance/a.yml", "B@acme/web:.governance/Z.yml", "B@acme/web:.governance/a.yml", "Z", "_x", "a-2", "a1", "a1@acme/web:.governance/a1.yml", "b", "e", "é"]);
      expect((await store.latestWorkflowsOf("ACME")).map((v) => v.workflowId)).toEqual([...IDS].sort(bytewise));
      expect((await store.findRepositoryWorkflows("B")).map((w) => `${w.repository}:${w.path}`)).toEqual(["acme/api:.governance/a.yml", "acme/Web:.governance/Z.yml", "acme/Web:.governance/a.yml"]);
    } finally {
      await store.close();
    }
  });

  it("listTasks breaks a tie of creation times by id in byte order; listSchedules orders names bytewise", async () => {
    const schema = await freshSchema("icu_tasks");
    const store = await openParts(schema);
    try {
      await linguistic(schema);
      for (const [i, id] of IDS.entries()) await store.createTask(makeTask({ id, key: `key-${i}`, fingerprint: `fp-${i}`, createdAt: T0.toISOString() }));
      expect((await store.listTasks()).map((t) => t.id)).toEqual([...IDS].sort(bytewise).reverse());

      const repo = (name: string, id: number): RepositoryInfo => ({ id, owner: "acme", name, fullName: `acme/${name}`, defaultBranch: "main", url: `https://github.com/acme/${name}` });
      const entry = (workflowPath: string) => ({ workflowPath, triggerIndex: 0, cron: "0 * * * *", timezone: "UTC", nextDueAt: at(3_600_000) });
      await store.replaceSchedules(repo("alpha", 1), 1, [entry(".governance/b.yml"), entry(".governance/B.yml")], T0);
      await store.replaceSchedules(repo("Zeta", 2), 1, [entry(".governance/a.yml")], T0);
      expect((await store.listSchedules()).map((s) => `${s.repository.fullName}:${s.workflowPath}`)).toEqual(["acme/Zeta:.governance/a.yml", "acme/alpha:.governance/B.yml", "acme/alpha:.governance/b.yml"]);
    } finally {
      await store.close();
    }
  });

  it("health: ping answers and every migration is applied", async () => {
    const store = await openParts(await freshSchema("health"));
    try {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(await store.migrationsApplied()).toBe(true);
    } finally {
      await store.close();
    }
  });
});
