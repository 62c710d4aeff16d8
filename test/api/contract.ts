/**
 * Shared by the bodies, versions and OpenAPI tests: a request whose answer is checked against the
 * OpenAPI document (its status is one the operation documents, its JSON body validates against
 * the documented schema, and it is never a 500), and a snapshot of everything the catalogue holds
 * (to show that a refused request wrote nothing).
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { expect } from "vitest";
import { openApiDocument } from "../../src/api/openapi.js";
import { API_ROUTES } from "../../src/api/rest-api.js";
import type { Store } from "../../src/domain/ports.js";
import type { ApiHarness } from "./harness.js";

export const DOCUMENT = openApiDocument(API_ROUTES) as any;

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ $id: "https://governance.invalid/openapi.json", components: DOCUMENT.components });
const validators = new Map<string, ValidateFunction>();

/** The route (its method and path template) a concrete method and path are answered by; undefined for none. */
export function routeOf(method: string, path: string): { template: string; operation: any } | undefined {
  const pathname = path.split("?")[0]!;
  if (pathname === "/api/openapi.json") return { template: pathname, operation: DOCUMENT.paths[pathname][method.toLowerCase()] };
  for (const route of API_ROUTES) {
    const pattern = new RegExp(`^${route.path.replace(/\{\w+\}/g, "[^/]+")}$`);
    if (route.method === method && pattern.test(pathname)) return { template: route.path, operation: DOCUMENT.paths[route.path][method.toLowerCase()] };
  }
  return undefined;
}

/** The schema the document gives for an operation's answer with this status (a `$ref` to components.responses followed). */
export function responseSchema(operation: any, status: number): unknown {
  let response = operation.responses[String(status)];
  if (response?.$ref) response = DOCUMENT.components.responses[String(response.$ref).split("/").pop()!];
  return response?.content?.["application/json"]?.schema;
}

/** Checks one answer against the document: never 500, a documented status, a body valid against its schema. */
export function expectDocumented(method: string, path: string, answer: { status: number; body: unknown }): void {
  const where = `${method} ${path.slice(0, 120)} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  expect(answer.status, where).toBeLessThan(500);
  const route = routeOf(method, path);
  expect(route, `no documented route for ${method} ${path}`).toBeDefined();
  expect(Object.keys(route!.operation.responses), `${where}: status not documented for ${route!.operation.operationId}`).toContain(String(answer.status));
  const schema = responseSchema(route!.operation, answer.status);
  if (schema === undefined) return;
  const key = `${route!.operation.operationId}:${answer.status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(wrap(schema));
    validators.set(key, validate);
  }
  expect(validate(answer.body), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

/** A schema whose `#/components/...` references point into the document (added to ajv as https://governance.invalid/openapi.json). */
function wrap(schema: unknown): object {
  return JSON.parse(JSON.stringify({ s: schema }).replaceAll('"#/components/', '"https://governance.invalid/openapi.json#/components/')).s as object;
}

/** A request through the harness, checked with expectDocumented. */
export async function call(api: ApiHarness, method: string, path: string, options: Parameters<ApiHarness["call"]>[2] = {}) {
  const answer = await api.call(method, path, options);
  expectDocumented(method, path, answer);
  return answer;
}

/** A request with a raw body (bytes or text, any Content-Type), checked with expectDocumented. */
export async function raw(api: ApiHarness, method: string, path: string, token: string, body: Uint8Array | string, contentType = "application/json") {
  const res = await fetch(`${api.base}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": contentType }, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  const answer = { status: res.status, body: parsed as any };
  expectDocumented(method, path, answer);
  return answer;
}

/** Everything the catalogue holds: every entry (all pages) and every version of each org-wide workflow. */
export async function catalogueSnapshot(store: Store): Promise<string> {
  const out: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCatalogue({ limit: 200, ...(cursor ? { cursor } : {}) });
    for (const entry of page.entries) {
      out.push(entry);
      if (entry.source === "api") out.push(await store.listWorkflowVersions(entry.workflow.id));
    }
    cursor = page.next;
  } while (cursor);
  return JSON.stringify(out);
}

/** A valid org-wide workflow document (JSON) with a manual trigger. */
export function orgWorkflowJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Key rotation",
    version: "1.0.0",
    owner: "acme",
    repositories: ["*"],
    triggers: [{ type: "manual" }],
    steps: [{ id: "open", type: "action", action: { kind: "createIssue", parameters: { title: "Rotate the key" } } }],
    ...overrides,
  };
}
