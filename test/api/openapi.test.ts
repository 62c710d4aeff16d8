/**
 * Proves that /api/openapi.json is a valid OpenAPI 3.1 document (the official schema, through
 * @seriousme/openapi-schema-validator) that matches the route table both ways, with unique
 * operationIds, references that all resolve, component schemas that compile (JSON Schema
 * 2020-12), path parameters as the paths name them and query parameters the routes accept; that
 * the statuses real requests get are the ones their operations document; and that real answers of
 * list, get, create, update, start, list runs and get run validate against the documented schemas
 * with no field left undocumented.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_ROUTES } from "../../src/api/rest-api.js";
import { call, DOCUMENT, orgWorkflowJson, raw, responseSchema } from "./contract.js";
import { fakeDirectory, FolderlessGitHub, orgWorkflowYaml, startApi, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
let api: ApiHarness;
let served: any;
beforeAll(async () => {
  api = await startApi({ github: new FolderlessGitHub(), directory: fakeDirectory });
  served = (await api.call("GET", "/api/openapi.json")).body;
});
afterAll(async () => api.close());

/** Every operation of the document: [path, method, operation]. */
const operations = (doc: any): [string, string, any][] => Object.entries(doc.paths).flatMap(([path, item]: [string, any]) => METHODS.filter((m) => item[m]).map((m) => [path, m, item[m]] as [string, string, any]));

/** What a JSON pointer (`#/a/b`) names in the document, or undefined. */
function resolve(doc: any, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node: any, part) => (node && typeof node === "object" ? node[part] : undefined), doc);
}

describe("the document", () => {
  it("is served without credentials, is the one built from the route table, and is valid OpenAPI 3.1", async () => {
    expect(served).toEqual(JSON.parse(JSON.stringify(DOCUMENT)));
    expect(served.openapi).toBe("3.1.0");
    const result = await new Validator().validate(served);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("the validator does refuse a broken document (so the check above can fail)", async () => {
    const broken = JSON.parse(JSON.stringify(served));
    broken.paths["/api/workflows"].get.responses = { "200": {} };
    delete broken.info.title;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("documents every route, and nothing the routes do not answer (besides itself)", () => {
    const routes = API_ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    const documented = operations(served)
      .map(([path, method]) => `${method.toUpperCase()} ${path}`)
      .filter((op) => op !== "GET /api/openapi.json")
      .sort();
    expect(documented).toEqual(routes);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it("every documented operation is answered by the router (401 without credentials, not 404 or 405)", async () => {
    for (const [path, method] of operations(served)) {
      if (path === "/api/openapi.json") continue;
      const concrete = path.replace(/\{\w+\}/g, "x");
      const answer = await call(api, method.toUpperCase(), concrete, {});
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("has unique operationIds, and every $ref resolves", () => {
    const ids = operations(served).map(([, , op]) => op.operationId as string);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "$ref" && typeof v === "string") refs.push(v);
          else walk(v);
        }
      }
    };
    walk(served);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(resolve(served, ref), ref).toBeDefined();
  });

  it("its component schemas compile as JSON Schema 2020-12 (strict), and every operation documents 401", () => {
    const ajv = new Ajv2020({ strict: true, strictTypes: false });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    const defs = JSON.parse(JSON.stringify(served.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/'));
    for (const name of Object.keys(defs)) expect(() => ajv.compile({ $defs: defs, $ref: `#/$defs/${name}` }), name).not.toThrow();
    expect(() => ajv.compile({ type: "object", properties: { x: { type: "strnig" } } })).toThrow();
    for (const [path, method, op] of operations(served)) if (path !== "/api/openapi.json") expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(["400", "401", "503"]));
  });

  it("declares each path parameter its path names, required, and no other", () => {
    for (const [path, method, op] of operations(served)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p: any) => p.in === "path");
      expect(declared.map((p: any) => p.name), `${method} ${path}`).toEqual(names);
      for (const p of declared) expect(p.required).toBe(true);
    }
  });

  it("every documented query parameter is one its route accepts, and an undocumented one is refused", async () => {
    const token = tokenOf(TOKENS.acmeViewer);
    for (const [path, method, op] of operations(served)) {
      if (method !== "get" || path === "/api/openapi.json") continue;
      const concrete = path.replace(/\{\w+\}/g, "no-such-thing");
      for (const p of (op.parameters ?? []).filter((q: any) => q.in === "query")) {
        const value = p.schema.enum?.[0] ?? (p.schema.type === "integer" ? (p.schema.minimum ?? 1) : "x");
        const answer = await call(api, "GET", `${concrete}?${p.name}=${value}`, { token });
        expect(JSON.stringify(answer.body), `${path} ?${p.name}`).not.toContain("unknown parameter");
      }
      const undocumented = await call(api, "GET", `${concrete}?surely-not-documented=1`, { token });
      expect(undocumented.status, path).toBe(400);
      expect(undocumented.body.errors[0]).toMatchObject({ in: "query", name: "surely-not-documented" });
    }
  });
});

/** The fields of `body` that `schema` (a component, its allOf followed) does not name. */
function undocumented(schemaName: string, body: Record<string, unknown>): string[] {
  const names = new Set<string>();
  const collect = (schema: any): void => {
    if (schema.$ref) collect(resolve(served, schema.$ref));
    for (const part of schema.allOf ?? []) collect(part);
    for (const key of Object.keys(schema.properties ?? {})) names.add(key);
  };
  collect(served.components.schemas[schemaName]);
  return Object.keys(body).filter((k) => !names.has(k));
}

describe("real answers against the documented schemas", () => {
  it("create, get, update, list, start, get run, list runs: valid and fully documented", async () => {
    const admin = tokenOf(TOKENS.acmeAdmin);
    const created = await call(api, "POST", "/api/workflows", { token: admin, text: orgWorkflowYaml({ repositories: ["api"] }), contentType: "application/yaml" });
    expect(created.status).toBe(201);
    expect(undocumented("Workflow", created.body)).toEqual([]);
    const id = created.body.id;
    const updated = await call(api, "PUT", `/api/workflows/${id}`, { token: admin, text: orgWorkflowYaml({ repositories: ["api"], version: "1.1.0" }), contentType: "application/yaml" });
    expect(updated.body.outcome).toBe("updated");
    expect(undocumented("Workflow", updated.body)).toEqual([]);
    await api.store.replaceRepositoryWorkflows("acme/api", 42, [
      { id: "repo-one", repository: "acme/api", installationId: 42, path: ".governance/one.yml", commit: "abc", name: "One", version: "1.0.0", definition: { ...orgWorkflowJson(), owner: undefined } as never, seenAt: new Date().toISOString() },
    ]);
    const list = await call(api, "GET", "/api/workflows", { token: admin });
    expect(list.body.workflows.map((w: any) => w.source).sort()).toEqual(["api", "repository"]);
    for (const w of list.body.workflows) expect(undocumented("WorkflowSummary", w)).toEqual([]);
    const repo = await call(api, "GET", "/api/workflows/repo-one", { token: admin });
    expect(undocumented("Workflow", repo.body)).toEqual([]);

    const started = await call(api, "POST", `/api/workflows/${id}/run`, { token: admin, body: { repository: "acme/api", inputs: { reason: "schema" } } });
    expect(started.status).toBe(202);
    const queued = await call(api, "GET", `/api/runs/${started.body.runId}`, { token: admin });
    expect(queued.body.queued).toBe(true);
    expect(undocumented("Run", queued.body)).toEqual([]);
    await api.services.worker.drain();
    const run = await call(api, "GET", `/api/runs/${started.body.runId}`, { token: admin });
    expect(run.body).toMatchObject({ status: "succeeded", workflowVersion: "1.1.0" });
    expect(run.body.steps.length).toBeGreaterThan(0);
    expect(undocumented("Run", run.body)).toEqual([]);
    const runs = await call(api, "GET", `/api/workflows/${id}/runs`, { token: admin });
    expect(runs.body.runs).toHaveLength(1);
    for (const r of runs.body.runs) expect(undocumented("RunSummary", r)).toEqual([]);
  });

  it("the error answers each operation documents are the ones requests get (413, 415, 409, 404, 403)", async () => {
    const admin = tokenOf(TOKENS.acmeAdmin);
    const viewer = tokenOf(TOKENS.acmeViewer);
    const id = (await call(api, "POST", "/api/workflows", { token: admin, body: orgWorkflowJson({ name: "Errors" }) })).body.id;
    // call()/raw() fail the test when a status is not in the operation's responses.
    expect((await raw(api, "POST", `/api/workflows/${id}/run`, admin, "x".repeat(400 * 1024))).status).toBe(413);
    expect((await raw(api, "POST", `/api/workflows/${id}/run`, admin, "{}", "text/plain")).status).toBe(415);
    expect((await raw(api, "POST", "/api/runs/nope/cancel", admin, "{}")).status).toBe(404);
    expect((await raw(api, "PUT", `/api/workflows/${id}`, viewer, JSON.stringify(orgWorkflowJson({ name: "Errors", version: "2.0.0" })))).status).toBe(403);
    expect((await raw(api, "POST", "/api/workflows", viewer, JSON.stringify(orgWorkflowJson({ name: "Nope" })))).status).toBe(403);
    expect((await raw(api, "POST", "/api/workflows", admin, JSON.stringify(orgWorkflowJson({ name: "Theirs", owner: "other" })))).status).toBe(404);
    expect((await call(api, "GET", "/api/runs/nope", { token: admin })).status).toBe(404);
    expect((await call(api, "GET", "/api/runs/nope?x=1", { token: admin })).status).toBe(400);
    expect(responseSchema(DOCUMENT.paths["/api/workflows"].post, 413)).toEqual({ $ref: "#/components/schemas/Error" });
  });
});
