/**
 * Proves, from the route code itself, that every status a route's handler can answer is in its
 * operation's documented responses: the statuses it throws (`new ApiError(NNN`) and those of the
 * helpers it calls (404 from visibleWorkflow, 413/415 from the body readers, …), read from the
 * source of src/api/workflow-routes.ts and src/api/run-routes.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_ROUTES } from "../../src/api/rest-api.js";
import { DOCUMENT } from "./contract.js";

const BODY = [400, 408, 413, 415, 503];
/** What each shared helper answers when it refuses. */
const HELPERS: Record<string, number[]> = {
  notFound: [404],
  badBody: [400],
  badQuery: [400],
  onlyParams: [400],
  limitParam: [400],
  textParam: [400],
  idParam: [400],
  enumParam: [400],
  parseRunCursor: [400],
  invalidDocument: [400],
  requireRole: [403],
  requireOwnerAdmin: [403, 404],
  visibleWorkflow: [404],
  visibleRun: [404],
  answerSave: [400, 404, 409],
  ifMatchSeq: [409],
  repositoryOf: [404, 503],
  readText: BODY,
  readJsonObject: BODY,
};

const SOURCES = ["src/api/workflow-routes.ts", "src/api/run-routes.ts"].map((f) => readFileSync(f, "utf8")).join("\n");

/** The text of a top-level function of the route files (`async function name(` up to its closing brace at column 0). */
function functionText(name: string): string {
  const start = SOURCES.search(new RegExp(`\\n(?:async )?function ${name}\\(`));
  expect(start, `function ${name} not found in the route files`).toBeGreaterThan(-1);
  const end = SOURCES.indexOf("\n}\n", start);
  return SOURCES.slice(start, end);
}

/** The statuses a function can answer: its own ApiErrors, its helpers', and those of route-file functions it calls. */
function statusesOf(name: string, seen = new Set<string>()): Set<number> {
  const out = new Set<number>();
  if (seen.has(name)) return out;
  seen.add(name);
  const text = functionText(name);
  for (const m of text.matchAll(/new ApiError\((\d{3})/g)) out.add(Number(m[1]));
  for (const m of text.matchAll(/\bconst status = [^;]*/g)) for (const s of m[0].matchAll(/\b([1-5]\d\d)\b/g)) out.add(Number(s[1]));
  for (const m of text.matchAll(/\b([A-Za-z]\w*)(?:<[^()]*?>)?\(/g)) {
    const callee = m[1]!;
    for (const s of HELPERS[callee] ?? []) out.add(s);
    if (!HELPERS[callee] && callee !== name && new RegExp(`\\n(?:async )?function ${callee}\\(`).test(SOURCES)) for (const s of statusesOf(callee, seen)) out.add(s);
  }
  for (const m of text.matchAll(/status: (\d{3})/g)) out.add(Number(m[1]));
  return out;
}

/** The handler function a route's `handle` is, or calls. */
function handlerName(handle: (...args: never[]) => unknown): string {
  const source = handle.toString();
  if (/^async function|^function/.test(source)) return handle.name;
  return /=>\s*(\w+)\(/.exec(source)?.[1] ?? handle.name;
}

describe("documented statuses, read from the route code", () => {
  for (const route of API_ROUTES) {
    it(`${route.method} ${route.path}: every status its handler can answer is documented`, () => {
      const statuses = statusesOf(handlerName(route.handle));
      expect(statuses.size).toBeGreaterThan(1);
      const documented = Object.keys(DOCUMENT.paths[route.path][route.method.toLowerCase()].responses).map(Number);
      expect(documented).toEqual(expect.arrayContaining([...statuses]));
    });
  }

  it("finds what it looks for (a handler's own 409, a helper's 413)", () => {
    expect([...statusesOf("updateWorkflow")]).toEqual(expect.arrayContaining([200, 409, 413, 415, 404, 403]));
    expect([...statusesOf("startRun")]).toEqual(expect.arrayContaining([202, 409, 404, 503, 415]));
  });
});
