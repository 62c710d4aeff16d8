/**
 * The REST API's router: the route table (each route with its OpenAPI operation), path
 * matching, authentication, and the mapping of every failure to a JSON answer. Nothing under
 * `/api` answers 500 for a client's mistake; an internal error is logged and answered without
 * detail.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppDirectory } from "../domain/app-directory.js";
import type { Clock, Logger, Store } from "../domain/ports.js";
import { CallerLookupError, type Authenticator, type Caller } from "./caller.js";
import { ApiError, sendError, sendJson } from "./respond.js";

/** What the routes run on. */
export interface ApiDeps {
  store: Store;
  clock: Clock;
  log: Pick<Logger, "info" | "warn" | "error">;
  authenticator: Authenticator;
  /** Where the app is installed (the app's own credentials); absent without them: runs cannot be started then. */
  directory?: AppDirectory;
  /** Wakes the engine: a delivery was recorded. */
  wake(): void;
  /** The operator's scripts, when the operator configuration is known: a workflow naming another is invalid. */
  knownScripts?: ReadonlySet<string>;
}

export interface RouteContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  caller: Caller;
  deps: ApiDeps;
}

export interface RouteAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** An OpenAPI operation object, as the route's documentation (paths come from the route). */
export type Operation = Record<string, unknown> & { operationId: string; summary: string; responses: Record<string, unknown> };

export interface Route {
  method: "GET" | "POST" | "PUT";
  /** An OpenAPI path template, `/api/workflows/{id}`. */
  path: string;
  operation: Operation;
  handle(ctx: RouteContext): Promise<RouteAnswer>;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

/** The paths the API answers, each with everything under it. */
const API_PREFIXES = ["/api/openapi.json", "/api/workflows", "/api/runs"];

/** The API's request handler for Probot's `addHandler`: answers `/api/...` and returns true, or false for any other path. */
export function apiRouter(routes: readonly Route[], deps: ApiDeps, extra: { openapi: () => unknown }) {
  const compiled: CompiledRoute[] = routes.map((r) => {
    const names: string[] = [];
    const source = r.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    return { ...r, pattern: new RegExp(`^${source}$`), names };
  });
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    // Only the API's own paths: the rest of /api (Probot's /api/github/webhooks) is not ours.
    if (!API_PREFIXES.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return false;
    try {
      if (url.pathname === "/api/openapi.json") {
        if (req.method !== "GET" && req.method !== "HEAD") throw new ApiError(405, `${req.method} is not allowed on /api/openapi.json`, [], { allow: "GET, HEAD" });
        sendJson(res, 200, extra.openapi());
        return true;
      }
      const candidates = compiled.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) throw new ApiError(404, `no such endpoint: ${url.pathname} (see /api/openapi.json)`);
      // HEAD is GET without the body (Node leaves the body out of a HEAD answer).
      const method = req.method === "HEAD" ? "GET" : req.method;
      const route = candidates.find((r) => r.method === method);
      if (!route) {
        const allow = candidates.map((r) => r.method).join(", ");
        throw new ApiError(405, `${req.method} is not allowed on ${url.pathname}: ${allow}`, [], { allow });
      }
      const caller = await deps.authenticator.authenticate(req.headers.authorization);
      if (!caller) throw new ApiError(401, "authentication required: send Authorization: Bearer <a GitHub user token or an API token>", [], { "www-authenticate": 'Bearer realm="governance"' });
      const match = route.pattern.exec(url.pathname)!;
      const params: Record<string, string> = {};
      for (const [i, name] of route.names.entries()) params[name] = decodeParam(match[i + 1]!, name);
      const answer = await route.handle({ req, params, query: url.searchParams, caller, deps });
      sendJson(res, answer.status, answer.body, answer.headers);
    } catch (err) {
      sendError(res, asApiError(err, deps, req));
    }
    return true;
  };
}

function decodeParam(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, `path parameter ${name} is not valid percent-encoding`, [{ in: "path", name, message: "is not valid percent-encoding" }]);
  }
}

function asApiError(err: unknown, deps: ApiDeps, req: IncomingMessage): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof CallerLookupError) return new ApiError(503, `${err.message}; try again shortly`, [], { "retry-after": "30" });
  // A bug or the store failing: logged with the route, never the headers (they carry the token).
  deps.log.error({ method: req.method, path: (req.url ?? "").split("?")[0], err }, "API request failed");
  return new ApiError(500, "internal error: the request was not carried out (it is logged)");
}
