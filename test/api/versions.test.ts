/**
 * Proves the versioning contract of org-wide workflows through the API: every update is a new
 * immutable version with a greater semver, each one readable again (?version=) with its
 * definition and its document text (comments kept, the id written in); a run records the exact
 * version it ran; identical content makes no version; a version not greater, a changed owner or
 * id, a taken name (any case) and a stale If-Match are refused and write nothing; and of two
 * concurrent updates over one version exactly one wins, the other answers 409.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, catalogueSnapshot, orgWorkflowJson } from "./contract.js";
import { fakeDirectory, FolderlessGitHub, orgWorkflowYaml, startApi, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

const ADMIN = tokenOf(TOKENS.acmeAdmin);
const VIEWER = tokenOf(TOKENS.acmeViewer);
const YAML = "application/yaml";

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi({ github: new FolderlessGitHub(), directory: fakeDirectory });
});
afterAll(async () => api.close());

const put = (id: string, text: string, headers: Record<string, string> = {}) => call(api, "PUT", `/api/workflows/${id}`, { token: ADMIN, text, contentType: YAML, headers });
const create = async (text: string, token = ADMIN) => call(api, "POST", "/api/workflows", { token, text, contentType: YAML });

describe("a workflow's versions", () => {
  let id: string;
  const v100 = orgWorkflowYaml({ name: "Versioned" }).replace("steps:", "# the one step\nsteps:");
  const v110 = orgWorkflowYaml({ name: "Versioned", version: "1.1.0", repositories: ["api"] });
  const v200 = orgWorkflowYaml({ name: "Versioned v2", version: "2.0.0", repositories: ["api", "web"] });

  it("1.0.0, 1.1.0 and 2.0.0: each readable again with its definition and its text", async () => {
    const first = await create(v100);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    id = first.body.id;
    expect(first.headers.get("location")).toBe(`/api/workflows/${id}`);
    expect((await put(id, v110)).body).toMatchObject({ version: "1.1.0", versions: 2, outcome: "updated" });
    expect((await put(id, v200)).body).toMatchObject({ version: "2.0.0", versions: 3, outcome: "updated", latest: true });

    const expected = [
      ["1.0.0", "Versioned", ["*"]],
      ["1.1.0", "Versioned", ["api"]],
      ["2.0.0", "Versioned v2", ["api", "web"]],
    ] as const;
    for (const [version, name, repositories] of expected) {
      const read = await call(api, "GET", `/api/workflows/${id}?version=${version}`, { token: VIEWER });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id, version, name, repositories, latest: version === "2.0.0", definition: { id, version, name, repositories } });
      expect(read.body.document.format).toBe("yaml");
      expect(read.body.document.text).toContain(`version: ${version}\n`);
      expect(read.body.document.text.startsWith(`id: ${id}\n`)).toBe(true);
    }
    const latest = await call(api, "GET", `/api/workflows/${id}`, { token: VIEWER });
    expect(latest.headers.get("etag")).toBe('"2.0.0"');
    expect(latest.body.history.map((h: { version: string; seq: number; createdBy: string }) => [h.version, h.seq, h.createdBy])).toEqual([
      ["1.0.0", 1, "token:acme-admin"],
      ["1.1.0", 2, "token:acme-admin"],
      ["2.0.0", 3, "token:acme-admin"],
    ]);
    expect((await api.store.listWorkflowVersions(id)).map((v) => v.version)).toEqual(["1.0.0", "1.1.0", "2.0.0"]);
    expect((await call(api, "GET", `/api/workflows/${id}?version=1.2.0`, { token: VIEWER })).status).toBe(404);
  });

  it("keeps a YAML body's comments in the stored text, which holds the id", async () => {
    const read = await call(api, "GET", `/api/workflows/${id}?version=1.0.0`, { token: VIEWER });
    expect(read.body.document.text).toContain("# an org-wide policy\n");
    expect(read.body.document.text).toContain("# the one step\nsteps:");
    expect((await api.store.getWorkflowVersion(id, "1.0.0"))!.source).toBe(read.body.document.text);
  });

  it("writes the id into a JSON body's stored text", async () => {
    const created = await call(api, "POST", "/api/workflows", { token: ADMIN, body: orgWorkflowJson({ name: "From JSON" }) });
    expect(created.status).toBe(201);
    expect(created.body.document.format).toBe("json");
    expect(JSON.parse(created.body.document.text)).toEqual({ id: created.body.id, ...orgWorkflowJson({ name: "From JSON" }) });
  });

  it("a run records the exact version it ran", async () => {
    const started = await call(api, "POST", `/api/workflows/${id}/run`, { token: ADMIN, body: { repository: "acme/web", inputs: { reason: "check" } } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await api.services.worker.drain();
    const run = await call(api, "GET", `/api/runs/${started.body.runId}`, { token: VIEWER });
    expect(run.body).toMatchObject({ status: "succeeded", workflowId: id, workflowVersion: "2.0.0", workflowName: "Versioned v2" });
  });

  it("identical content (comments aside) answers 200 unchanged and makes no version", async () => {
    const before = await catalogueSnapshot(api.store);
    const same = await put(id, `# reworded comment\n${v200.replace("# an org-wide policy\n", "")}`);
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ outcome: "unchanged", version: "2.0.0", versions: 3 });
    expect(await catalogueSnapshot(api.store)).toBe(before);
  });

  const refusals: [string, () => string, number, string][] = [
    ["a version not greater", () => orgWorkflowYaml({ name: "Versioned v2", version: "1.5.0" }), 409, "/version"],
    ["the same version with other content", () => orgWorkflowYaml({ name: "Versioned v3", version: "2.0.0" }), 409, "/version"],
    ["another owner", () => orgWorkflowYaml({ name: "Versioned v2", version: "2.1.0", owner: "other" }), 400, "/owner"],
    ["another id", () => orgWorkflowYaml({ name: "Versioned v2", version: "2.1.0", id: "someone-else" }), 400, "/id"],
    ["the name of another of the owner's workflows (any case)", () => orgWorkflowYaml({ name: "FROM json", version: "2.1.0" }), 409, "/name"],
  ];
  for (const [what, text, status, pointer] of refusals) {
    it(`a PUT with ${what} → ${status} at ${pointer}, nothing written`, async () => {
      const before = await catalogueSnapshot(api.store);
      const answer = await put(id, text());
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      expect(answer.body.errors[0]).toMatchObject({ in: "body", pointer });
      expect(await catalogueSnapshot(api.store)).toBe(before);
    });
  }

  it("If-Match: a stale version → 409 naming the header; the latest → 200", async () => {
    const stale = await put(id, orgWorkflowYaml({ name: "Versioned v2", version: "2.1.0" }), { "if-match": '"1.1.0"' });
    expect(stale.status).toBe(409);
    expect(stale.body.errors[0]).toMatchObject({ in: "header", name: "if-match" });
    expect((await api.store.getStoredWorkflow(id))!.versions).toBe(3);
    const fresh = await put(id, orgWorkflowYaml({ name: "Versioned v2", version: "2.1.0" }), { "if-match": 'W/"2.0.0"' });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ version: "2.1.0", versions: 4 });
    // A list of entity tags (RFC 9110) matches when one of them is the latest.
    const listed = await put(id, orgWorkflowYaml({ name: "Versioned v2", version: "2.2.0" }), { "if-match": '"2.0.0", "2.1.0"' });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const none = await put(id, orgWorkflowYaml({ name: "Versioned v2", version: "2.3.0" }), { "if-match": '"2.0.0", "2.1.0"' });
    expect(none.status).toBe(409);
    expect(none.body.message).toContain('"2.0.0", "2.1.0"');
    expect((await api.store.getStoredWorkflow(id))!.version).toBe("2.2.0");
  });

  it("a PUT of a workflow that does not exist → 404, nothing created", async () => {
    const before = await catalogueSnapshot(api.store);
    expect((await put("no-such-workflow", orgWorkflowYaml({ name: "Ghost" }))).status).toBe(404);
    expect(await catalogueSnapshot(api.store)).toBe(before);
  });
});

describe("names", () => {
  it("a duplicate name (any case) for the same owner → 409 at /name; the same name for another owner → 201", async () => {
    expect((await create(orgWorkflowYaml({ name: "Dependency review" }))).status).toBe(201);
    const before = await catalogueSnapshot(api.store);
    const taken = await create(orgWorkflowYaml({ name: "DEPENDENCY Review" }));
    expect(taken.status).toBe(409);
    expect(taken.body.errors[0]).toMatchObject({ in: "body", pointer: "/name" });
    expect(await catalogueSnapshot(api.store)).toBe(before);
    const other = await create(orgWorkflowYaml({ name: "Dependency review", owner: "other" }), tokenOf(TOKENS.otherAdmin));
    expect(other.status).toBe(201);
    expect(other.body).toMatchObject({ owner: "other", name: "Dependency review" });
  });

  it("a POST that chooses its id → 400 at /id, whether or not the id is used (the answer tells nothing of other accounts)", async () => {
    const taken = await create(orgWorkflowYaml({ name: "Owned by other", owner: "other" }), tokenOf(TOKENS.otherAdmin));
    expect(taken.status).toBe(201);
    const before = await catalogueSnapshot(api.store);
    const onTaken = await create(orgWorkflowYaml({ name: "Mine", id: taken.body.id }));
    const onFree = await create(orgWorkflowYaml({ name: "Mine", id: "never-used-id" }));
    for (const answer of [onTaken, onFree]) {
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0]).toMatchObject({ in: "body", pointer: "/id" });
    }
    expect(onTaken.body).toEqual(onFree.body);
    expect(await catalogueSnapshot(api.store)).toBe(before);
  });
});

/** A PUT whose headers go out at once and whose body follows when `release` resolves: its handler reads the base version first. */
function slowPut(id: string, text: string, release: Promise<void>, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const url = new URL(`/api/workflows/${id}`, api.base);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", headers: { authorization: `Bearer ${ADMIN}`, "content-type": YAML, "content-length": String(Buffer.byteLength(text)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
    req.on("error", reject);
    req.flushHeaders();
    void release.then(() => req.end(text));
  });
}

describe("concurrent updates", () => {
  it("two PUTs over the same version (If-Match): exactly one 200, one 409, one new version", async () => {
    const id = (await create(orgWorkflowYaml({ name: "Raced" }))).body.id;
    for (const [round, [a, b]] of [["1.1.0", "1.2.0"], ["2.0.0", "1.9.0"], ["3.0.0", "3.0.1"]].entries()) {
      const base = (await api.store.getStoredWorkflow(id))!;
      const answers = await Promise.all([a, b].map((version) => put(id, orgWorkflowYaml({ name: "Raced", version }), { "if-match": `"${base.version}"` })));
      expect(answers.map((x) => x.status).sort(), JSON.stringify(answers.map((x) => x.body))).toEqual([200, 409]);
      const winner = answers.find((x) => x.status === 200)!.body.version;
      const versions = await api.store.listWorkflowVersions(id);
      expect(versions).toHaveLength(round + 2);
      expect(versions.at(-1)!.version).toBe(winner);
    }
  });

  it("two PUTs without If-Match, both begun before either body arrives: one 200, one 409", async () => {
    const id = (await create(orgWorkflowYaml({ name: "Raced slowly" }))).body.id;
    let release!: () => void;
    const bodies = new Promise<void>((r) => (release = r));
    const pending = [slowPut(id, orgWorkflowYaml({ name: "Raced slowly", version: "1.1.0" }), bodies), slowPut(id, orgWorkflowYaml({ name: "Raced slowly", version: "1.2.0" }), bodies)];
    await new Promise((r) => setTimeout(r, 200));
    release();
    const answers = await Promise.all(pending);
    expect(answers.map((x) => x.status).sort(), JSON.stringify(answers.map((x) => x.body))).toEqual([200, 409]);
    const loser = answers.find((x) => x.status === 409)!;
    expect(loser.body.message).toMatch(/changed meanwhile/);
    expect(await api.store.listWorkflowVersions(id)).toHaveLength(2);
  });
});
