/**
 * Proves that workflows read from repositories appear in the API read-only beside the org-wide
 * ones: listed and read with source "repository", their repository, path and commit (one version:
 * the default branch's); a PUT answers 409 saying which file to change, and writes nothing; the
 * list's filters (source, owner, installation, name, version) select exactly the matching entries;
 * and cursor pagination with limit 7 over a mix of 38 entries yields every visible entry exactly
 * once, in id order, for a caller who sees all and for one who sees one owner.
 */
import { importOrgWide } from "../../src/engine/org-wide.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepositoryWorkflow } from "../../src/domain/stored-workflow.js";
import { call, catalogueSnapshot } from "./contract.js";
import { fakeDirectory, orgWorkflowYaml, startApi, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

const EVERYWHERE = tokenOf(TOKENS.everywhere);
const ACME = tokenOf(TOKENS.acmeViewer);
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

function repositoryWorkflow(repository: string, installationId: number, id: string, i: number): RepositoryWorkflow {
  const name = `Repo check ${repository} ${i}`;
  const version = i % 3 === 0 ? "2.0.0" : "1.0.0";
  return {
    id,
    repository,
    installationId,
    path: `.governance/${id}-${i}.yml`,
    commit: COMMIT,
    name,
    version,
    definition: { id, name, version, triggers: [{ type: "manual" }], steps: [{ id: "open", type: "action", action: { kind: "createIssue", parameters: { title: "x" } } }] } as never,
    seenAt: "2026-01-02T03:04:05.000Z",
  };
}

/** Entries of the catalogue as [id, source, repository] in the order the catalogue sorts them. */
type Key = [id: string, source: "api" | "repository", repository: string, path: string];
const order = (a: Key, b: Key) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0);

let api: ApiHarness;
const expected: (Key & { length: 4 })[] = [];
const owners = new Map<string, string>();

beforeAll(async () => {
  api = await startApi({ directory: fakeDirectory });
  const seeds: [string, number, number][] = [
    ["acme/api", 42, 14],
    ["acme/web", 42, 8],
    ["other/app", 43, 6],
  ];
  for (const [repository, installation, count] of seeds) {
    // Ids interleave with the org-wide ones; "shared" is in every repository, "a-12" and "w-06" are org-wide ids too.
    const entries = Array.from({ length: count }, (_, i) => repositoryWorkflow(repository, installation, i === 0 ? "shared" : `${repository.split("/")[1]![0]}-${String(i * 3).padStart(2, "0")}`, i));
    await api.store.replaceRepositoryWorkflows(repository, installation, entries);
    for (const e of entries) {
      expected.push([e.id, "repository", repository, e.path]);
      owners.set(`${e.id}|${repository}|${e.path}`, repository.split("/")[0]!);
    }
  }
  const orgWide: [string, string][] = [...Array.from({ length: 8 }, (_, i) => [`a-${String(i * 4).padStart(2, "0")}`, "acme"] as [string, string]), ["w-06", "acme"], ["o-01", "other"]];
  for (const [id, owner] of orgWide) {
    // Chosen ids (to interleave with the repository ones) come in as an import does: the API gives its own.
    const created = await importOrgWide(api.store, { text: orgWorkflowYaml({ id, owner, name: `Org ${id}`, version: id === "a-04" ? "2.0.0" : "1.0.0" }), format: "yaml", path: `${id}.yml`, actor: "import", now: new Date() });
    expect(created, JSON.stringify(created)).toMatchObject({ ok: true, outcome: "created" });
    expected.push([id, "api", "", ""]);
    owners.set(`${id}||`, owner);
  }
  expected.sort(order);
});
afterAll(async () => api.close());

const keyOf = (w: any): Key => [w.id, w.source, w.source === "api" ? "" : w.repository, w.source === "api" ? "" : w.path];

/** Every page of a list, following `next`; the keys in the order they came. */
async function allPages(query: string, token: string): Promise<{ keys: Key[]; pages: number; entries: any[] }> {
  const keys: Key[] = [];
  const entries: any[] = [];
  let pages = 0;
  let next: string | null = null;
  do {
    const answer = await call(api, "GET", `/api/workflows?${query}${next ? `&cursor=${next}` : ""}`, { token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.workflows.length).toBeLessThanOrEqual(7);
    for (const w of answer.body.workflows) {
      keys.push(keyOf(w));
      entries.push(w);
    }
    next = answer.body.next;
    pages++;
  } while (next !== null && pages < 50);
  return { keys, pages, entries };
}

describe("repository workflows in the catalogue", () => {
  it("are listed with source repository, their repository, path and commit", async () => {
    const { entries } = await allPages("source=repository&limit=7", EVERYWHERE);
    expect(entries).toHaveLength(28);
    for (const w of entries) {
      expect(w).toMatchObject({ source: "repository", commit: COMMIT, seenAt: "2026-01-02T03:04:05.000Z", owner: w.repository.split("/")[0] });
      expect(w.path).toMatch(/^\.governance\//);
      expect(w).not.toHaveProperty("versions");
    }
  });

  it("are read with GET, at their one version", async () => {
    const read = await call(api, "GET", "/api/workflows/w-03", { token: ACME });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: "w-03", source: "repository", repository: "acme/web", path: ".governance/w-03-1.yml", commit: COMMIT, latest: true, definition: { name: "Repo check acme/web 1" } });
    expect((await call(api, "GET", "/api/workflows/w-03?version=1.0.0", { token: ACME })).status).toBe(200);
    expect((await call(api, "GET", "/api/workflows/w-03?version=0.9.0", { token: ACME })).status).toBe(404);
    // An id used in several repositories: the first the caller can see (by repository).
    expect((await call(api, "GET", "/api/workflows/shared", { token: ACME })).body.repository).toBe("acme/api");
    expect((await call(api, "GET", "/api/workflows/shared", { token: tokenOf(TOKENS.otherAdmin) })).body.repository).toBe("other/app");
    // An id both org-wide and a repository's: GET serves the org-wide one, the list shows both.
    expect((await call(api, "GET", "/api/workflows/w-06", { token: ACME })).body).toMatchObject({ source: "api", name: "Org w-06" });
    expect(expected.filter((k) => k[0] === "w-06").map((k) => k[1])).toEqual(["api", "repository"]);
  });

  it("a PUT answers 409 naming the repository and the path, and writes nothing", async () => {
    const before = await catalogueSnapshot(api.store);
    const answer = await call(api, "PUT", "/api/workflows/w-03", { token: tokenOf(TOKENS.acmeAdmin), text: orgWorkflowYaml({ name: "Take over", version: "9.0.0" }), contentType: "application/yaml" });
    expect(answer.status).toBe(409);
    expect(answer.body.message).toContain("acme/web");
    expect(answer.body.message).toContain(".governance/w-03-1.yml");
    expect(await catalogueSnapshot(api.store)).toBe(before);
  });
});

describe("filters and pages", () => {
  const visibleTo = (owner?: string) => expected.filter((k) => owner === undefined || owners.get(`${k[0]}|${k[2]}|${k[3]}`) === owner);

  it("limit 7 over all 38: every entry exactly once, in catalogue (id) order", async () => {
    const { keys, pages } = await allPages("limit=7", EVERYWHERE);
    expect(expected).toHaveLength(38);
    expect(keys).toEqual(expected);
    expect(pages).toBe(6);
    expect(new Set(keys.map((k) => k.join("|"))).size).toBe(38);
  });

  it("limit 7 for a caller who sees only acme: each of acme's entries exactly once", async () => {
    const { keys } = await allPages("limit=7", ACME);
    expect(keys).toEqual(visibleTo("acme"));
    expect(keys).toHaveLength(31);
  });

  it("limit 7 with a filter: source=repository&owner=acme pages through acme's repository workflows only", async () => {
    const { keys } = await allPages("limit=7&source=repository&owner=acme", EVERYWHERE);
    expect(keys).toEqual(visibleTo("acme").filter((k) => k[1] === "repository"));
  });

  const filters: [string, (k: Key) => boolean][] = [
    ["source=api", (k) => k[1] === "api"],
    ["owner=OTHER", (k) => owners.get(`${k[0]}|${k[2]}|${k[3]}`) === "other"],
    ["installation=43", (k) => owners.get(`${k[0]}|${k[2]}|${k[3]}`) === "other"],
    ["installation=42&source=api", (k) => k[1] === "api" && owners.get(`${k[0]}||`) === "acme"],
    ["name=org%20A-04", (k) => k[0] === "a-04"],
    ["name=REPO%20CHECK%20acme%2Fweb%203", (k) => k[2] === "acme/web" && k[3].endsWith("-3.yml")],
    ["version=2.0.0", (k) => (k[1] === "api" ? k[0] === "a-04" : /-(0|3|6|9|12)\.yml$/.test(k[3]))],
    ["version=2.0.0&owner=acme&source=repository", (k) => k[1] === "repository" && k[2].startsWith("acme/") && /-(0|3|6|9|12)\.yml$/.test(k[3])],
    ["owner=nobody", () => false],
  ];
  for (const [query, keep] of filters) {
    it(`?${query} lists exactly the matching entries`, async () => {
      const { keys } = await allPages(`${query}&limit=7`, EVERYWHERE);
      const wanted = expected.filter(keep);
      expect(wanted.length > 0 || query === "owner=nobody").toBe(true);
      expect(keys).toEqual(wanted);
    });
  }

  it("a caller never sees another owner's entries, even when it asks for them", async () => {
    const answer = await call(api, "GET", "/api/workflows?owner=other", { token: ACME });
    expect(answer.body).toEqual({ workflows: [], next: null });
    const byInstallation = await call(api, "GET", "/api/workflows?installation=43", { token: ACME });
    expect(byInstallation.body.workflows).toEqual([]);
  });
});
