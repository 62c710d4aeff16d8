/**
 * Proves that the small JSON bodies of POST /api/workflows/{id}/run, /api/runs/{runId}/approve,
 * /reject and /cancel are checked: an unknown field, a wrong type, malformed JSON (with its line
 * and column) or a body of the wrong Content-Type is a 400 (415) naming the field, and no run is
 * queued; and that no POST or PUT route answers 500 to random bytes or random JSON (a seeded fuzz).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, catalogueSnapshot, orgWorkflowJson, raw } from "./contract.js";
import { fakeDirectory, FolderlessGitHub, orgWorkflowYaml, startApi, tokenOf, TOKENS, type ApiHarness } from "./harness.js";

const ADMIN = tokenOf(TOKENS.acmeAdmin);
const RUNNER = tokenOf(TOKENS.acmeRunner);

let api: ApiHarness;
let workflowId: string;
let runId: string;
beforeAll(async () => {
  api = await startApi({ github: new FolderlessGitHub(), directory: fakeDirectory });
  workflowId = (await call(api, "POST", "/api/workflows", { token: ADMIN, text: orgWorkflowYaml(), contentType: "application/yaml" })).body.id;
  const started = await call(api, "POST", `/api/workflows/${workflowId}/run`, { token: RUNNER, body: { repository: "acme/api", inputs: { reason: "a first run" } } });
  expect(started.status).toBe(202);
  runId = started.body.runId;
});
afterAll(async () => api.close());

/** How many runs of the workflow there are, started or queued (the engine has not run: the queue shows what was accepted). */
async function queuedRuns(): Promise<number> {
  await api.services.worker.drain();
  return (await api.store.listRuns({ workflowId, limit: 100, withoutLog: true })).length;
}

describe("bad bodies of a start", () => {
  const cases: { what: string; body: string; contentType?: string; status: number; pointers: string[]; at?: [number, number] }[] = [
    { what: "an unknown field", body: JSON.stringify({ repository: "acme/api", inputs: { reason: "x" }, ref: "main" }), status: 400, pointers: ["/ref"] },
    { what: "wrong types", body: JSON.stringify({ repository: 5, inputs: [] }), status: 400, pointers: ["/repository", "/inputs"] },
    { what: "an input of a wrong type", body: JSON.stringify({ repository: "acme/api", inputs: { reason: { nested: true } } }), status: 400, pointers: ["/inputs/reason"] },
    { what: "a repository that is no owner/name", body: JSON.stringify({ repository: "acme", inputs: { reason: "x" } }), status: 400, pointers: ["/repository"] },
    { what: "a missing required input", body: JSON.stringify({ repository: "acme/api" }), status: 400, pointers: ["/inputs/reason"] },
    { what: "malformed JSON", body: '{\n  "repository": "acme/api",\n  "inputs": }', status: 400, pointers: [""], at: [3, 13] },
    { what: "a JSON list", body: "[1]", status: 400, pointers: [""] },
    { what: "nesting 100 deep", body: `{"inputs":${"[".repeat(100)}${"]".repeat(100)}}`, status: 400, pointers: [""] },
    { what: "YAML", body: "repository: acme/api\n", contentType: "application/yaml", status: 415, pointers: [] },
  ];
  for (const c of cases) {
    it(`${c.what} → ${c.status}${c.pointers.length ? ` at ${c.pointers.join(", ")}` : ""}, no run queued`, async () => {
      const before = await queuedRuns();
      const answer = await raw(api, "POST", `/api/workflows/${workflowId}/run`, RUNNER, c.body, c.contentType);
      expect(answer.status, JSON.stringify(answer.body)).toBe(c.status);
      expect(answer.body.errors.filter((e: { in: string }) => e.in === "body").map((e: { pointer: string }) => e.pointer)).toEqual(c.pointers);
      if (c.at) {
        expect([answer.body.errors[0].line, answer.body.errors[0].col]).toEqual(c.at);
        expect(answer.body.message).toContain(`line ${c.at[0]}, column ${c.at[1]}`);
      }
      expect(await queuedRuns()).toBe(before);
    });
  }
});

describe("bad bodies of a vote or a cancel", () => {
  const cases: { path: string; body: unknown; pointers: string[] }[] = [
    { path: "approve", body: { step: "gate" }, pointers: ["/step"] },
    { path: "approve", body: { stepId: 5, comment: true }, pointers: ["/stepId", "/comment"] },
    { path: "approve", body: { comment: "x".repeat(501) }, pointers: ["/comment"] },
    { path: "reject", body: { stepId: ["gate"] }, pointers: ["/stepId"] },
    { path: "reject", body: "yes", pointers: [""] },
    { path: "cancel", body: { reason: "not needed" }, pointers: ["/reason"] },
    { path: "cancel", body: [], pointers: [""] },
  ];
  for (const c of cases) {
    it(`${c.path} with ${JSON.stringify(c.body).slice(0, 40)} → 400 at ${c.pointers.join(", ")}`, async () => {
      const answer = await call(api, "POST", `/api/runs/${runId}/${c.path}`, { token: RUNNER, body: c.body });
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(c.pointers);
    });
  }

  it("malformed JSON on a vote names its line and column; YAML is a 415", async () => {
    const malformed = await raw(api, "POST", `/api/runs/${runId}/approve`, RUNNER, '{"stepId": "gate",}');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0]).toMatchObject({ in: "body", pointer: "", line: 1, col: 19 });
    const yaml = await raw(api, "POST", `/api/runs/${runId}/cancel`, RUNNER, "{}", "application/yaml");
    expect(yaml.status).toBe(415);
  });
});

/** A small seeded generator (mulberry32): the same inputs every run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const KEYS = ["name", "version", "owner", "repositories", "triggers", "steps", "id", "type", "config", "inputs", "repository", "stepId", "comment", "action", "kind", "parameters", "__proto__", "constructor", "$ref", ""];
  const value = (depth: number): unknown => {
    const kind = int(depth > 3 ? 6 : 8);
    if (kind === 0) return null;
    if (kind === 1) return next() < 0.5;
    if (kind === 2) return pick([0, -1, 1e308, 3.5, 2 ** 53 + 1]);
    if (kind === 3) return pick(["", "acme", "acme/api", "1.0.0", "*", "${{ inputs.x }}", "\u0000", "é\u{1F600}", "x".repeat(int(300))]);
    if (kind === 4 || kind === 5) return pick(["manual", "createIssue", "action", "main"]);
    if (kind === 6) return Array.from({ length: int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(KEYS), value(depth + 1)]));
  };
  /** A valid document with one field set to a random value, or a random value, or random bytes. */
  const body = (): { bytes: string | Uint8Array; contentType: string } => {
    const choice = int(4);
    if (choice === 0) return { bytes: Uint8Array.from({ length: int(200) }, () => int(256)), contentType: pick(["application/json", "application/yaml"]) };
    if (choice === 1) return { bytes: JSON.stringify(value(0)) ?? "", contentType: "application/json" };
    const base: Record<string, unknown> = orgWorkflowJson({ name: `Fuzz ${int(1e9)}` });
    base[pick(KEYS)] = value(1);
    return choice === 2 ? { bytes: JSON.stringify(base), contentType: "application/json" } : { bytes: orgWorkflowYaml().replace(/^version: .*$/m, `version: ${JSON.stringify(value(2))}`), contentType: "application/yaml" };
  };
  return { body };
}

describe("fuzz: no POST or PUT answers 500", () => {
  const routes = () => [
    ["POST", "/api/workflows", ADMIN],
    ["PUT", `/api/workflows/${workflowId}`, ADMIN],
    ["POST", `/api/workflows/${workflowId}/run`, RUNNER],
    ["POST", `/api/runs/${runId}/approve`, RUNNER],
    ["POST", `/api/runs/${runId}/reject`, RUNNER],
    ["POST", `/api/runs/${runId}/cancel`, RUNNER],
  ] as const;

  it("60 random bodies per route: every answer is documented and below 500", async () => {
    const gen = random(20240601);
    const seen = new Map<string, Set<number>>();
    for (const [method, path, token] of routes()) {
      for (let i = 0; i < 60; i++) {
        const { bytes, contentType } = gen.body();
        // raw() asserts the status is below 500, documented for the route, and the body valid against its schema.
        const answer = await raw(api, method, path, token, bytes, contentType);
        seen.set(`${method} ${path}`, (seen.get(`${method} ${path}`) ?? new Set()).add(answer.status));
      }
    }
    // The fuzz reached the validators (400s), not only the body reader.
    for (const statuses of seen.values()) expect(statuses.has(400)).toBe(true);
    expect(await catalogueSnapshot(api.store)).toContain(workflowId);
  });
});
