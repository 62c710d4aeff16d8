// The workflow catalogue's contract, part two: repository workflows (replaceRepositoryWorkflows, findRepositoryWorkflows) and listCatalogue.
import { describe, expect, it } from "vitest";
import type { CatalogueEntry, CatalogueFilter, CataloguePage } from "../../../src/domain/stored-workflow.js";
import type { Store } from "../../../src/domain/ports.js";
import type { ContractHarness } from "../store-contract.js";
import { makeRepoWorkflow, makeVersion } from "./catalogue-fixtures.js";

/** An entry as `source:id[:repository:path]`, for readable expectations. */
const show = (e: CatalogueEntry) => (e.source === "api" ? `api:${e.workflow.id}` : `repository:${e.workflow.id}:${e.workflow.repository}:${e.workflow.path}`);
const list = async (store: Store, filter?: CatalogueFilter) => (await store.listCatalogue({ limit: 200, ...filter })).entries.map(show);

/** Every page of a listing, walked by cursor. */
async function walk(store: Store, filter: CatalogueFilter): Promise<CataloguePage[]> {
  const pages: CataloguePage[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCatalogue({ ...filter, ...(cursor === undefined ? {} : { cursor }) });
    pages.push(page);
    cursor = page.next;
  } while (cursor !== undefined && pages.length < 100);
  return pages;
}

/** Org-wide workflows wf-a (acme), wf-c (Globex, no installation); repository ones sharing wf-a's id, and wf-b. */
async function seed(store: Store): Promise<void> {
  await store.createWorkflow({ id: "wf-c", owner: "Globex" }, makeVersion("wf-c", { name: "Audit", version: "2.0.0" }));
  await store.createWorkflow({ id: "wf-a", owner: "acme", installationId: 1 }, makeVersion("wf-a", { name: "Triage" }));
  await store.replaceRepositoryWorkflows("acme/web", 1, [makeRepoWorkflow("acme/web", "wf-a", { installationId: 1, path: ".governance/z.yml", name: "TRIAGE" })]);
  await store.replaceRepositoryWorkflows("Acme/API", 1, [
    makeRepoWorkflow("Acme/API", "wf-b", { installationId: 1, path: ".governance/a.yml" }),
    makeRepoWorkflow("Acme/API", "wf-a", { installationId: 1, path: ".governance/y.yml", version: "2.0.0" }),
  ]);
  await store.replaceRepositoryWorkflows("globex/site", 2, [makeRepoWorkflow("globex/site", "wf-d", { installationId: 2 })]);
}

/** replaceRepositoryWorkflows / findRepositoryWorkflows / listCatalogue. */
export function catalogueListContract(h: ContractHarness): void {
  describe("workflow catalogue: repository workflows and the listing", () => {
    it("replaceRepositoryWorkflows makes the entries what the repository holds (any case), leaving other repositories alone", async () => {
      const store = await h.fresh();
      const first = [makeRepoWorkflow("acme/api", "wf-1"), makeRepoWorkflow("acme/api", "wf-2")];
      await store.replaceRepositoryWorkflows("acme/api", 4_200_000_001, first);
      await store.replaceRepositoryWorkflows("acme/web", 4_200_000_001, [makeRepoWorkflow("acme/web", "wf-2")]);
      expect(await store.findRepositoryWorkflows("wf-1")).toEqual([first[0]]);
      const renamed = makeRepoWorkflow("ACME/Api", "wf-3", { commit: "d".repeat(40) });
      await store.replaceRepositoryWorkflows("ACME/API", 4_200_000_001, [renamed]);
      expect(await store.findRepositoryWorkflows("wf-1")).toEqual([]);
      expect(await store.findRepositoryWorkflows("wf-3")).toEqual([renamed]);
      expect((await store.findRepositoryWorkflows("wf-2")).map((w) => w.repository)).toEqual(["acme/web"]);
      await store.replaceRepositoryWorkflows("acme/api", 4_200_000_001, []);
      expect(await store.findRepositoryWorkflows("wf-3")).toEqual([]);
      expect(await list(store)).toEqual(["repository:wf-2:acme/web:.governance/wf-2.yml"]);
    });

    it("findRepositoryWorkflows: one id declared in several repositories, by repository then path", async () => {
      const store = await h.fresh();
      await store.replaceRepositoryWorkflows("acme/web", 4_200_000_001, [makeRepoWorkflow("acme/web", "shared")]);
      const api = [makeRepoWorkflow("acme/api", "shared", { path: ".governance/b.yml" }), makeRepoWorkflow("acme/api", "shared", { path: ".governance/a.yml" })];
      await store.replaceRepositoryWorkflows("acme/api", 4_200_000_001, api);
      expect((await store.findRepositoryWorkflows("shared")).map((w) => `${w.repository}:${w.path}`)).toEqual(["acme/api:.governance/a.yml", "acme/api:.governance/b.yml", "acme/web:.governance/shared.yml"]);
      expect(await store.findRepositoryWorkflows("none")).toEqual([]);
    });

    it("refuses entries that are not well formed, naming the field, and keeps what was there", async () => {
      const store = await h.fresh();
      const kept = makeRepoWorkflow("acme/api", "wf-1");
      await store.replaceRepositoryWorkflows("acme/api", 4_200_000_001, [kept]);
      const cases: [string, Parameters<Store["replaceRepositoryWorkflows"]>[2], RegExp][] = [
        ["acme/api", [makeRepoWorkflow("acme/api", "a"), makeRepoWorkflow("acme/api", "b", { path: ".governance/a.yml" })], /entries\[1\]\.path ".governance\/a.yml" is listed twice/],
        ["acme/api", [makeRepoWorkflow("acme/web", "a")], /entries\[0\]\.repository must be "acme\/api"/],
        ["acme/api", [makeRepoWorkflow("acme/api", "a", { installationId: 7 })], /entries\[0\]\.installationId must be 4200000001/],
        ["acme/api", [makeRepoWorkflow("acme/api", "x".repeat(129))], /entries\[0\]\.id is 129 characters long/],
        ["acme/api", [makeRepoWorkflow("acme/api", "a", { definition: { n: 1n } as never })], /entries\[0\]\.definition cannot be stored as JSON/],
        ["acme/api", [makeRepoWorkflow("acme/api", "a", { seenAt: "now" })], /entries\[0\]\.seenAt must be an ISO-8601 UTC time/],
        ["not a repository", [], /repository must be owner\/name/],
      ];
      for (const [repository, entries, message] of cases) await expect(store.replaceRepositoryWorkflows(repository, 4_200_000_001, entries)).rejects.toThrow(message);
      expect(await store.findRepositoryWorkflows("wf-1")).toEqual([kept]);
      expect(await store.findRepositoryWorkflows("a")).toEqual([]);
    });

    it("lists org-wide and repository workflows together, by id, then source (api first), repository, path", async () => {
      const store = await h.fresh();
      await seed(store);
      expect(await list(store)).toEqual([
        "api:wf-a",
        "repository:wf-a:Acme/API:.governance/y.yml",
        "repository:wf-a:acme/web:.governance/z.yml",
        "repository:wf-b:Acme/API:.governance/a.yml",
        "api:wf-c",
        "repository:wf-d:globex/site:.governance/wf-d.yml",
      ]);
      const page = await store.listCatalogue();
      expect(page.next).toBeUndefined();
      expect(page.entries[0]).toEqual({ source: "api", workflow: await store.getStoredWorkflow("wf-a") });
      expect(page.entries[1]).toEqual({ source: "repository", workflow: (await store.findRepositoryWorkflows("wf-a"))[0] });
    });

    it("filters by name (any case), version, owners (any case), installation and source, combined with and", async () => {
      const store = await h.fresh();
      await seed(store);
      expect(await list(store, { name: "triage" })).toEqual(["api:wf-a", "repository:wf-a:acme/web:.governance/z.yml"]);
      expect(await list(store, { version: "2.0.0" })).toEqual(["repository:wf-a:Acme/API:.governance/y.yml", "api:wf-c"]);
      expect(await list(store, { owners: ["GLOBEX"] })).toEqual(["api:wf-c", "repository:wf-d:globex/site:.governance/wf-d.yml"]);
      expect(await list(store, { owners: ["ACME"], source: "repository" })).toEqual(["repository:wf-a:Acme/API:.governance/y.yml", "repository:wf-a:acme/web:.governance/z.yml", "repository:wf-b:Acme/API:.governance/a.yml"]);
      expect(await list(store, { owners: [] })).toEqual([]);
      expect(await list(store, { installationId: 2 })).toEqual(["repository:wf-d:globex/site:.governance/wf-d.yml"]);
      expect(await list(store, { installationId: 1, source: "api" })).toEqual(["api:wf-a"]);
      expect(await list(store, { source: "api" })).toEqual(["api:wf-a", "api:wf-c"]);
      expect(await list(store, { name: "Triage", version: "2.0.0" })).toEqual([]);
      expect(await list(store, { name: "policy wf-b", owners: ["acme", "globex"] })).toEqual(["repository:wf-b:Acme/API:.governance/a.yml"]);
    });

    it("pages: walked with a small limit, every entry comes exactly once, in order; the last page has no next", async () => {
      const store = await h.fresh();
      await seed(store);
      for (let n = 1; n <= 4; n++) await store.createWorkflow({ id: `wf-a${n}`, owner: "acme" }, makeVersion(`wf-a${n}`, { name: `Extra ${n}` }));
      await store.replaceRepositoryWorkflows("acme/ops", 1, [makeRepoWorkflow("acme/ops", "wf-a2", { installationId: 1 }), makeRepoWorkflow("acme/ops", "wf-c", { installationId: 1 })]);
      const all = await list(store);
      expect(all).toHaveLength(12);
      for (const limit of [1, 2, 3, 5]) {
        const pages = await walk(store, { limit });
        expect(pages.flatMap((p) => p.entries.map(show))).toEqual(all);
        expect(pages.slice(0, -1).every((p) => p.entries.length === limit && p.next !== undefined)).toBe(true);
        expect(pages.at(-1)!.next).toBeUndefined();
      }
      // Filters hold across pages.
      const repositoryOnly = await walk(store, { limit: 2, source: "repository", owners: ["acme"] });
      expect(repositoryOnly.flatMap((p) => p.entries.map(show))).toEqual(await list(store, { source: "repository", owners: ["acme"] }));
      // A page that ends exactly at the last entry has no next.
      expect((await store.listCatalogue({ limit: 12 })).next).toBeUndefined();
      expect((await store.listCatalogue({ limit: 11 })).next).toBeDefined();
    });

    it("a limit is 50 unless asked, never more than 200, at least 1", async () => {
      const store = await h.fresh();
      await store.replaceRepositoryWorkflows("acme/big", 1, Array.from({ length: 205 }, (_, i) => makeRepoWorkflow("acme/big", `wf-${String(i).padStart(3, "0")}`, { installationId: 1 })));
      expect((await store.listCatalogue()).entries).toHaveLength(50);
      expect((await store.listCatalogue({ limit: 1_000 })).entries).toHaveLength(200);
      expect((await store.listCatalogue({ limit: 0 })).entries).toHaveLength(1);
      expect((await store.listCatalogue({ limit: Number.NaN })).entries).toHaveLength(50);
    });

    it("a cursor it did not give is refused with a clear RangeError", async () => {
      const store = await h.fresh();
      await seed(store);
      const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      for (const cursor of ["", "not a cursor!", "x".repeat(5_000), "bm9wZQ", encoded({ id: "wf-a" }), encoded(["wf-a", "elsewhere", "", ""]), encoded(["wf-a", "api", "acme/api", ""]), encoded(["", "api", "", ""])]) {
        const refusal = await store.listCatalogue({ cursor }).then(() => undefined, (e: unknown) => e);
        expect(refusal, cursor).toBeInstanceOf(RangeError);
        expect((refusal as Error).message).toMatch(/^the cursor is not one this API gave: /);
      }
      // A cursor of an entry gone since still pages on from where it was.
      const first = await store.listCatalogue({ limit: 2 });
      await store.replaceRepositoryWorkflows("Acme/API", 1, []);
      expect(await list(store, { cursor: first.next! })).toEqual(["repository:wf-a:acme/web:.governance/z.yml", "api:wf-c", "repository:wf-d:globex/site:.governance/wf-d.yml"]);
    });
  });
}
