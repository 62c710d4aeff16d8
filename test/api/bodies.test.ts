/**
 * Proves that a bad workflow body on POST /api/workflows and PUT /api/workflows/{id}, JSON or
 * YAML, is refused with the documented status (400, 413, 415) and an error naming the field (a
 * JSON pointer, with line and column for a document the loader read), that nothing is written
 * (the catalogue and the versions are exactly as before), and that bad query parameters are a
 * 400 naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, catalogueSnapshot, orgWorkflowJson, raw } from "./contract.js";
import { orgWorkflowYaml, startApi, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

const ADMIN = tokenOf(TOKENS.acmeAdmin);
const YAML = "application/yaml";

interface BadBody {
  what: string;
  body: string | Uint8Array;
  contentType?: string;
  status: number;
  /** errors[0]'s pointer (in: body), or its name (in: header). */
  pointer?: string;
  header?: string;
  at?: [line: number, col: number];
  message?: RegExp;
}

const json = (value: unknown) => JSON.stringify(value);
const doc = orgWorkflowJson();
const { owner: _owner, ...withoutOwner } = doc;
const { repositories: _repositories, ...withoutRepositories } = doc;

const BAD_BODIES: BadBody[] = [
  { what: "malformed JSON", body: '{\n  "name": "x",\n  "version": \n}', status: 400, pointer: "", at: [4, 1], message: /JSON syntax error/ },
  { what: "JSON with an unclosed string", body: '{"name": "x}', status: 400, pointer: "", at: [1, 10], message: /not closed/ },
  { what: "a YAML syntax error", body: "name: x\nversion: [1\nowner: acme\n", contentType: YAML, status: 400, pointer: "", at: [3, 1], message: /YAML syntax error/ },
  { what: "a wrong type (JSON)", body: json({ ...doc, version: 3 }), status: 400, pointer: "/version", message: /must be a string/ },
  { what: "a wrong type (YAML)", body: orgWorkflowYaml().replace("version: 1.0.0", "version: [1, 0]"), contentType: YAML, status: 400, pointer: "/version", at: [3, 10] },
  { what: "a misspelt field (JSON)", body: json({ ...doc, tirggers: [] }), status: 400, pointer: "/tirggers", message: /did you mean "triggers"/ },
  { what: "a misspelt field (YAML)", body: orgWorkflowYaml().replace("owner: acme", "ownr: acme"), contentType: YAML, status: 400, pointer: "/ownr", at: [4, 1], message: /did you mean "owner"/ },
  { what: "no owner", body: json(withoutOwner), status: 400, pointer: "", at: [1, 1], message: /needs `owner`/ },
  { what: "no repositories (YAML)", body: orgWorkflowYaml().replace(/^repositories:.*\n/m, ""), contentType: YAML, status: 400, pointer: "", message: /needs `repositories`/ },
  { what: "no repositories (JSON)", body: json(withoutRepositories), status: 400, pointer: "", message: /needs `repositories`/ },
  { what: "repositories a string", body: json({ ...doc, repositories: "api" }), status: 400, pointer: "/repositories", message: /must be a list/ },
  { what: "repositories empty", body: json({ ...doc, repositories: [] }), status: 400, pointer: "/repositories", message: /at least 1/ },
  { what: "repositories holding a number", body: json({ ...doc, repositories: ["api", 7] }), status: 400, pointer: "/repositories/1" },
  { what: "repositories naming owner/name", body: json({ ...doc, repositories: ["acme/api"] }), status: 400, pointer: "/repositories/0", message: /repository name/ },
  { what: "repositories listing one twice", body: json({ ...doc, repositories: ["api", "api"] }), status: 400, pointer: "/repositories/0", message: /twice/ },
  { what: "too many repositories", body: json({ ...doc, repositories: Array.from({ length: 101 }, (_, i) => `r${i}`) }), status: 400, pointer: "/repositories", message: /at most 100/ },
  { what: "an owner that is no login", body: json({ ...doc, owner: "not a login" }), status: 400, pointer: "/owner" },
  { what: "an id with a slash", body: json({ ...doc, id: "a/b" }), status: 400, pointer: "/id" },
  { what: "a body over the cap", body: json({ ...doc, description: "x".repeat(310 * 1024) }), status: 413, pointer: "" },
  { what: "a body over the document limit, under the cap", body: json({ ...doc, description: "x".repeat(270 * 1024) }), status: 400, pointer: "", message: /too large/ },
  { what: "text/plain", body: json(doc), contentType: "text/plain", status: 415, header: "content-type" },
  { what: "multipart", body: "--x--", contentType: "multipart/form-data; boundary=x", status: 415, header: "content-type" },
  { what: "JSON nested 100 deep", body: `${"[".repeat(100)}${"]".repeat(100)}`, status: 400, pointer: "", message: /nested deeper/ },
  { what: "YAML nested 100 deep", body: `${"[".repeat(100)}${"]".repeat(100)}`, contentType: YAML, status: 400, message: /too deep/ },
  { what: "invalid UTF-8", body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), status: 400, pointer: "", message: /UTF-8/ },
  { what: "an empty body", body: "", status: 400, pointer: "", at: [1, 1], message: /empty/ },
  { what: "an empty YAML body", body: "# only a comment\n", contentType: YAML, status: 400, pointer: "", message: /no workflow/ },
  { what: "JSON null", body: "null", status: 400, pointer: "" },
  { what: "a JSON list", body: "[]", status: 400, pointer: "", message: /mapping/ },
  { what: "a YAML scalar", body: "just words", contentType: YAML, status: 400, pointer: "", message: /mapping/ },
];

describe("bad workflow bodies", () => {
  let api: ApiHarness;
  let id: string;
  beforeAll(async () => {
    api = await startApi();
    const created = await call(api, "POST", "/api/workflows", { token: ADMIN, text: orgWorkflowYaml(), contentType: YAML });
    expect(created.status).toBe(201);
    id = created.body.id;
  });
  afterAll(async () => api.close());

  for (const method of ["POST", "PUT"] as const) {
    for (const bad of BAD_BODIES) {
      it(`${method}: ${bad.what} → ${bad.status}, nothing stored`, async () => {
        const before = await catalogueSnapshot(api.store);
        const path = method === "POST" ? "/api/workflows" : `/api/workflows/${id}`;
        const answer = await raw(api, method, path, ADMIN, bad.body, bad.contentType);
        expect(answer.status, JSON.stringify(answer.body)).toBe(bad.status);
        const first = answer.body.errors[0];
        if (bad.header !== undefined) expect(first).toMatchObject({ in: "header", name: bad.header });
        if (bad.pointer !== undefined) expect(first).toMatchObject({ in: "body", pointer: bad.pointer });
        if (bad.at) expect([first.line, first.col]).toEqual(bad.at);
        if (bad.message) expect(first.message).toMatch(bad.message);
        // Every body error carries a pointer, and a document's errors their line and column.
        for (const e of answer.body.errors) if (e.in === "body") expect(typeof e.pointer).toBe("string");
        if (bad.status === 400 && /workflow is not valid/.test(answer.body.message)) {
          for (const e of answer.body.errors) expect([typeof e.line, typeof e.col]).toEqual(["number", "number"]);
        }
        expect(await catalogueSnapshot(api.store)).toBe(before);
      });
    }
  }

  it("a body streamed over the cap without a Content-Length → 413, nothing stored", async () => {
    const before = await catalogueSnapshot(api.store);
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream({ pull: (c) => (sent++ < 8 ? c.enqueue(chunk) : c.close()) });
    const res = await fetch(`${api.base}/api/workflows`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: unknown[] }).errors[0]).toMatchObject({ in: "body", pointer: "" });
    expect(await catalogueSnapshot(api.store)).toBe(before);
  });

  it("reports every error of a document, each with its own pointer", async () => {
    const answer = await raw(api, "POST", "/api/workflows", ADMIN, json({ ...doc, version: 3, repositories: "x", tirggers: [] }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(["/repositories", "/tirggers", "/version"]);
  });

  it("a good body after all of that is still stored (the refusals left the catalogue usable)", async () => {
    const answer = await raw(api, "POST", "/api/workflows", ADMIN, json(orgWorkflowJson({ name: "After the refusals" })));
    expect(answer.status).toBe(201);
    expect((await api.store.listCatalogue()).entries).toHaveLength(2);
  });
});

describe("bad query parameters", () => {
  let api: ApiHarness;
  let id: string;
  beforeAll(async () => {
    api = await startApi();
    id = (await call(api, "POST", "/api/workflows", { token: ADMIN, text: orgWorkflowYaml(), contentType: YAML })).body.id;
  });
  afterAll(async () => api.close());

  const cases: [string, string][] = [
    ["/api/workflows?limit=0", "limit"],
    ["/api/workflows?limit=abc", "limit"],
    ["/api/workflows?limit=201", "limit"],
    ["/api/workflows?limit=-1", "limit"],
    ["/api/workflows?limit=1.5", "limit"],
    ["/api/workflows?nmae=x", "nmae"],
    ["/api/workflows?cursor=zzz", "cursor"],
    [`/api/workflows?cursor=${Buffer.from('["x","api","oops",""]').toString("base64url")}`, "cursor"],
    ["/api/workflows?cursor=%21%21", "cursor"],
    ["/api/workflows?installation=-1", "installation"],
    ["/api/workflows?installation=abc", "installation"],
    ["/api/workflows?installation=0", "installation"],
    ["/api/workflows?installation=99999999999999999", "installation"],
    ["/api/workflows?source=files", "source"],
    ["/api/workflows?name=", "name"],
    ["/api/workflows?limit=1&limit=500", "limit"],
    ["/api/workflows?owner=acme&owner=other", "owner"],
    ["/api/workflows/{id}?version=", "version"],
    ["/api/workflows/{id}?verison=1.0.0", "verison"],
    ["/api/workflows/{id}/runs?limit=0", "limit"],
    ["/api/workflows/{id}/runs?cursor=bad", "cursor"],
    ["/api/workflows/{id}/runs?status=done", "status"],
  ];
  for (const [path, name] of cases) {
    it(`GET ${path} → 400 naming ${name}`, async () => {
      const answer = await call(api, "GET", path.replace("{id}", id), { token: ADMIN });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0]).toMatchObject({ in: "query", name });
      expect(answer.body.message).toContain(name);
    });
  }

  it("an unknown parameter on a write is refused before anything is written", async () => {
    const before = await catalogueSnapshot(api.store);
    const answer = await call(api, "POST", "/api/workflows?dryRun=1", { token: ADMIN, body: orgWorkflowJson({ name: "Other" }) });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toMatchObject({ in: "query", name: "dryRun" });
    expect(await catalogueSnapshot(api.store)).toBe(before);
  });

  it("a path parameter that is not percent-encoding is a 400 naming it", async () => {
    const answer = await call(api, "GET", "/api/workflows/%E0%A4%A", { token: ADMIN });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toMatchObject({ in: "path", name: "id" });
  });
});
