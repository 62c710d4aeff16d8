/** The REST API under `/api`, for Probot's `addHandler`: its routes, their OpenAPI document, and the router that serves both. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { openApiDocument } from "./openapi.js";
import { apiRouter, type ApiDeps, type Route } from "./router.js";
import { runRoutes } from "./run-routes.js";
import { workflowRoutes } from "./workflow-routes.js";

/** Every route of the API, in the order the document lists them. */
export const API_ROUTES: readonly Route[] = [...workflowRoutes, ...runRoutes];

/** Answers `/api/...` (true), or leaves the request to the next handler (false). */
export function restApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const document = openApiDocument(API_ROUTES);
  return apiRouter(API_ROUTES, deps, { openapi: () => document });
}

export type { ApiDeps } from "./router.js";
