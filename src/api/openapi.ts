/**
 * The REST API's OpenAPI 3.1 document, served at `/api/openapi.json`: its paths are built from
 * the route table itself (so no route goes undocumented), its schemas describe the views.
 */
import { RUN_STATUSES, STEP_STATUSES } from "../domain/run.js";
import { VERSION } from "../version.js";
import type { Route } from "./router.js";
import { CANCEL_BODY, START_BODY, VOTE_BODY } from "./run-routes.js";

const STATUS_TEXT: Record<number, string> = {
  400: "The request is not right: `errors` names each field (a JSON pointer, with line and column for a document).",
  401: "No valid credentials.",
  403: "The caller can see the resource, but its role is too low.",
  404: "No such resource, or the caller cannot see it (the answer does not say which).",
  408: "The body did not arrive in time.",
  409: "The resource's state does not allow it (a newer version, a taken name, a finished run, a repository workflow).",
  413: "The body is too large.",
  415: "The body's Content-Type is not accepted.",
  503: "GitHub could not be asked about the caller, or the app cannot reach GitHub: try again.",
};

const nullable = (type: string) => ({ type: [type, "null"] });

const schemas = {
  Error: {
    type: "object",
    required: ["message", "errors"],
    properties: {
      message: { type: "string" },
      errors: {
        type: "array",
        items: {
          type: "object",
          required: ["in", "message"],
          properties: { in: { enum: ["body", "query", "path", "header"] }, pointer: { type: "string" }, name: { type: "string" }, line: { type: "integer" }, col: { type: "integer" }, message: { type: "string" } },
        },
      },
    },
  },
  WorkflowDocument: {
    type: "object",
    description: "A workflow in the format of schema/workflow.schema.json, with `owner` and `repositories` (required for org-wide workflows).",
    required: ["name", "version", "owner", "repositories", "triggers", "steps"],
    properties: { id: { type: "string" }, name: { type: "string" }, version: { type: "string" }, owner: { type: "string" }, repositories: { type: "array", items: { type: "string" } }, triggers: { type: "array" }, steps: { type: "array" } },
  },
  WorkflowSummary: {
    type: "object",
    required: ["id", "source", "name", "version", "owner", "links"],
    properties: {
      id: { type: "string" },
      source: { enum: ["api", "repository"], description: "`api`: org-wide, kept by the app; `repository`: a `.governance/` file, read-only here." },
      name: { type: "string" },
      version: { type: "string" },
      owner: { type: "string" },
      repositories: { type: "array", items: { type: "string" } },
      versions: { type: "integer" },
      repository: { type: "string" },
      path: { type: "string" },
      commit: { type: "string" },
      createdAt: { type: "string", format: "date-time" },
      updatedAt: { type: "string", format: "date-time" },
      seenAt: { type: "string", format: "date-time" },
      links: { type: "object", properties: { self: { type: "string" }, runs: { type: "string" } } },
    },
  },
  Workflow: {
    allOf: [{ $ref: "#/components/schemas/WorkflowSummary" }],
    type: "object",
    required: ["latest", "definition"],
    properties: {
      latest: { type: "boolean", description: "Whether this is the latest version." },
      createdBy: { type: "string", description: "Who made this version: a GitHub login, `token:<name>`, or `import`." },
      versionCreatedAt: { type: "string", format: "date-time", description: "When this version was made." },
      definition: { type: "object" },
      document: { type: "object", required: ["format", "text"], properties: { format: { enum: ["yaml", "json"] }, text: { type: "string", description: "The document as stored (always holding its id)." } } },
      history: {
        type: "array",
        items: { type: "object", required: ["version", "seq", "createdAt", "createdBy"], properties: { version: { type: "string" }, seq: { type: "integer", minimum: 1 }, createdAt: { type: "string", format: "date-time" }, createdBy: { type: "string" } } },
      },
      outcome: { enum: ["updated", "unchanged"], description: "An update's outcome (PUT only)." },
    },
  },
  WorkflowPage: { type: "object", required: ["workflows", "next"], properties: { workflows: { type: "array", items: { $ref: "#/components/schemas/WorkflowSummary" } }, next: nullable("string") } },
  StartBody: START_BODY,
  VoteBody: VOTE_BODY,
  CancelBody: CANCEL_BODY,
  Started: { type: "object", required: ["runId", "status", "url"], properties: { runId: { type: "string" }, status: { const: "pending" }, url: { type: "string" } } },
  Accepted: { type: "object", required: ["accepted", "runId"], properties: { accepted: { const: true }, runId: { type: "string" }, message: { type: "string" }, url: { type: "string" } } },
  RunSummary: {
    type: "object",
    required: ["id", "workflowId", "repository", "status"],
    properties: {
      id: { type: "string" },
      workflowId: { type: "string" },
      workflowName: { type: "string" },
      workflowVersion: { type: "string", description: "The exact version the run executes." },
      workflowPath: { type: "string" },
      workflowCommit: { type: "string" },
      repository: { type: "string" },
      status: { enum: [...RUN_STATUSES] },
      createdAt: { type: "string" },
      startedAt: nullable("string"),
      finishedAt: nullable("string"),
      currentStepId: nullable("string"),
      queued: { type: "boolean", description: "Asked for through the API; the engine has not made it yet." },
      waiting: { type: "array", items: { type: "object", required: ["stepId", "kind"], properties: { stepId: { type: "string" }, kind: { type: "string" } } }, description: "The steps waiting, and for what." },
      links: { type: "object", properties: { self: { type: "string" } } },
    },
  },
  Run: {
    allOf: [{ $ref: "#/components/schemas/RunSummary" }],
    type: "object",
    properties: {
      deliveryId: { type: "string" },
      checkRunId: nullable("integer"),
      cancelRequested: { type: ["object", "null"], properties: { actor: { type: "string" }, at: { type: "string" } } },
      steps: {
        type: "array",
        items: {
          type: "object",
          required: ["stepId", "type", "status"],
          properties: {
            stepId: { type: "string" },
            name: nullable("string"),
            type: { type: "string" },
            kind: nullable("string"),
            status: { enum: [...STEP_STATUSES] },
            attempt: { type: "integer" },
            startedAt: nullable("string"),
            finishedAt: nullable("string"),
            outcome: nullable("string"),
            error: nullable("string"),
            outputs: { type: "object" },
            waiting: { type: ["object", "null"] },
          },
        },
      },
      log: { type: "array", items: { type: "object", properties: { ts: { type: "string" }, level: { type: "string" }, message: { type: "string" }, meta: { type: "object" } } } },
    },
  },
  RunPage: { type: "object", required: ["runs", "next"], properties: { runs: { type: "array", items: { $ref: "#/components/schemas/RunSummary" } }, next: nullable("string") } },
};

const OPENAPI_ROUTE = {
  get: {
    operationId: "getOpenApi",
    summary: "This document",
    security: [],
    responses: { "200": { description: "The OpenAPI 3.1 document.", content: { "application/json": { schema: { type: "object" } } } } },
  },
};

/**
 * The answers the router and the body reader give for any route, whatever its own code says:
 * 400 (an unknown or repeated query parameter, a path parameter that is not percent-encoding),
 * 401 and 503 (authentication), and for a route that takes a body 408, 413 and 415.
 */
function withRouterAnswers(operation: Route["operation"]): Route["operation"] {
  const statuses = [400, 401, 503, ...("requestBody" in operation ? [408, 413, 415] : [])];
  const responses: Record<string, unknown> = { ...operation.responses };
  for (const status of statuses) responses[String(status)] ??= { $ref: `#/components/responses/E${status}` };
  const ordered = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return { ...operation, responses: ordered };
}

/** The document for these routes. */
export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = { "/api/openapi.json": OPENAPI_ROUTE };
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = withRouterAnswers(route.operation);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Governance Workflow Engine API",
      version: VERSION,
      description: "Workflows (org-wide ones kept by the app, and repository ones, read-only), their runs, and votes and cancels on them. Roles: viewer reads; runner also starts, approves (if an approver) and cancels; admin also creates and updates workflows.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A GitHub user token, or an API token from the operator configuration (`api.tokens`)." } },
      schemas,
      responses: Object.fromEntries(Object.entries(STATUS_TEXT).map(([status, description]) => [`E${status}`, { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }])),
    },
  };
}
