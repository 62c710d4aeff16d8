/**
 * The REST API's workflow endpoints: list, read (any version), create and update org-wide
 * workflows (validated like repository files; every update a new immutable version), with the
 * access rules of access.ts. Repository workflows are listed and read, never written here.
 */
import type { StoredWorkflow } from "../domain/stored-workflow.js";
import { createOrgWide, knownInstallation, updateOrgWide, type SaveResult } from "../engine/org-wide.js";
import { refreshSchedulesAfterSave } from "../engine/schedule-index.js";
import { atLeast, type Caller, type Role } from "./caller.js";
import { requireRole, roleOnWorkflow, visibleWorkflow } from "./access.js";
import { enumParam, idParam, limitParam, onlyParams, textParam } from "./params.js";
import { readText } from "./request-body.js";
import { ApiError, badBody, badQuery, invalidDocument, notFound } from "./respond.js";
import type { ApiDeps, Route, RouteContext } from "./router.js";
import { repositoryWorkflowView, storedWorkflowView, workflowSummary } from "./views.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));
const idParamDoc = { name: "id", in: "path", required: true, schema: { type: "string", maxLength: 128 }, description: "The workflow's id." };
const documentBody = {
  required: true,
  description: "The workflow document: the workflow format plus `owner` and `repositories`, as JSON or YAML (the Content-Type says which).",
  content: { "application/json": { schema: ref("WorkflowDocument") }, "application/yaml": { schema: { type: "string" } } },
};

export const workflowRoutes: Route[] = [
  {
    method: "GET",
    path: "/api/workflows",
    operation: {
      operationId: "listWorkflows",
      summary: "List the workflows the caller can see: org-wide ones and repository ones",
      description: "Ordered by id, a page at a time (`next` is the cursor of the next page). A page may hold fewer than `limit` entries when some are hidden from the caller.",
      parameters: [
        { name: "name", in: "query", schema: { type: "string", minLength: 1, maxLength: 200 }, description: "Only this name (any case)." },
        { name: "version", in: "query", schema: { type: "string", minLength: 1, maxLength: 256 }, description: "Only this (latest) version." },
        { name: "owner", in: "query", schema: { type: "string", minLength: 1, maxLength: 100 }, description: "Only this account's." },
        { name: "installation", in: "query", schema: { type: "integer", minimum: 1 }, description: "Only this installation's." },
        { name: "source", in: "query", schema: { enum: ["api", "repository"] }, description: "Only org-wide (`api`) or only repository workflows." },
        { name: "cursor", in: "query", schema: { type: "string", minLength: 1, maxLength: 2000 }, description: "The `next` of the page before." },
        { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
      ],
      responses: { "200": { description: "A page of workflows.", ...json(ref("WorkflowPage")) }, ...errors(400, 401, 503) },
    },
    handle: listWorkflows,
  },
  {
    method: "POST",
    path: "/api/workflows",
    operation: {
      operationId: "createWorkflow",
      summary: "Create an org-wide workflow (admin of its owner)",
      requestBody: documentBody,
      responses: { "201": { description: "Created: its first version.", ...json(ref("Workflow")) }, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
    },
    handle: createWorkflow,
  },
  {
    method: "GET",
    path: "/api/workflows/{id}",
    operation: {
      operationId: "getWorkflow",
      summary: "One workflow: its latest version, or the one `version` names",
      parameters: [idParamDoc, { name: "version", in: "query", schema: { type: "string", minLength: 1, maxLength: 256 }, description: "A version's semver (default the latest)." }],
      responses: { "200": { description: "The workflow.", ...json(ref("Workflow")) }, ...errors(400, 401, 404, 503) },
    },
    handle: getWorkflow,
  },
  {
    method: "PUT",
    path: "/api/workflows/{id}",
    operation: {
      operationId: "updateWorkflow",
      summary: "Update an org-wide workflow: a new immutable version whose semver is greater (admin of its owner)",
      description: "A document the same as the latest version changes nothing (`outcome: unchanged`). `If-Match: \"<version>\"` makes the update conditional on the latest version; without it, on the version read when the request began. Repository workflows answer 409 and say where to change them.",
      parameters: [idParamDoc, { name: "If-Match", in: "header", schema: { type: "string" }, description: "The version the update is made over, quoted." }],
      requestBody: documentBody,
      responses: { "200": { description: "The new (or unchanged) latest version.", ...json(ref("Workflow")) }, ...errors(400, 401, 403, 404, 409, 413, 415, 503) },
    },
    handle: updateWorkflow,
  },
];

async function listWorkflows({ query, caller, deps }: RouteContext) {
  onlyParams(query, ["name", "version", "owner", "installation", "source", "cursor", "limit"]);
  const owner = textParam(query, "owner", 100)?.toLowerCase();
  const visible = await caller.visibleOwners();
  const owners = owner === undefined ? visible : visible === undefined || visible.includes(owner) ? [owner] : [];
  if (owners?.length === 0) return { status: 200, body: { workflows: [], next: null } };
  let page;
  try {
    page = await deps.store.listCatalogue({
      name: textParam(query, "name"),
      version: textParam(query, "version", 256),
      owners,
      installationId: idParam(query, "installation"),
      source: enumParam(query, "source", ["api", "repository"] as const),
      cursor: textParam(query, "cursor", 2000),
      limit: limitParam(query),
    });
  } catch (err) {
    if (err instanceof RangeError) throw badQuery("cursor", "is not a cursor this API gave (use the `next` of the page before)");
    throw err;
  }
  const shown = [];
  for (const entry of page.entries) if (atLeast(await roleOnWorkflow(caller, entry), "viewer")) shown.push(workflowSummary(entry));
  return { status: 200, body: { workflows: shown, next: page.next ?? null } };
}

async function getWorkflow({ params, query, caller, deps }: RouteContext) {
  onlyParams(query, ["version"]);
  const { entry } = await visibleWorkflow(deps, caller, params.id!);
  const wanted = textParam(query, "version", 256);
  if (entry.source === "repository") {
    if (wanted !== undefined && wanted !== entry.workflow.version) throw notFound(`version ${JSON.stringify(wanted)} of workflow ${JSON.stringify(params.id)} (a repository workflow has only the version on its default branch)`);
    return { status: 200, body: repositoryWorkflowView(entry.workflow) };
  }
  const version = await deps.store.getWorkflowVersion(entry.workflow.id, wanted);
  if (!version) throw notFound(`version ${JSON.stringify(wanted)} of workflow ${JSON.stringify(params.id)}`);
  const history = await deps.store.listWorkflowVersions(entry.workflow.id);
  return { status: 200, body: storedWorkflowView(entry.workflow, version, history), headers: { etag: `"${entry.workflow.version}"` } };
}

async function createWorkflow({ req, query, caller, deps }: RouteContext) {
  onlyParams(query, []);
  const body = await readText(req, ["json", "yaml"]);
  const result = await createOrgWide(deps.store, saveInput(body, caller, deps), {
    // The owner named must be one the caller administers: else it is as if it did not exist.
    authorize: async (w) => {
      requireOwnerAdmin(await caller.ownerRole(w.owner), w.owner, "creating a workflow");
      // Ids are one namespace for every account: accepting a chosen one would tell whoever
      // tries whether another account uses it. The app gives the id; `governance import`
      // (the operator's, on the store itself) keeps the ids of exported files.
      if (w.id !== undefined) throw badBody("/id", "an org-wide workflow's id is given by the app when it is created: leave `id` out (PUT /api/workflows/{id} updates one; governance import keeps exported ids)");
    },
    installationId: (owner) => installationOf(deps, owner),
  });
  const saved = answerSave(result);
  await refreshSchedulesAfterSave(deps.store, saved, undefined, deps.clock.now());
  deps.log.info({ workflowId: saved.workflow.id, owner: saved.workflow.owner, version: saved.version.version, actor: caller.actor }, "org-wide workflow created");
  return { status: 201, body: await view(deps, saved.workflow), headers: { location: `/api/workflows/${encodeURIComponent(saved.workflow.id)}`, etag: `"${saved.workflow.version}"` } };
}

async function updateWorkflow({ req, params, query, caller, deps }: RouteContext) {
  onlyParams(query, []);
  // The version the update is made over: read before anything else waits.
  const { entry, role } = await visibleWorkflow(deps, caller, params.id!);
  if (entry.source === "repository") {
    const w = entry.workflow;
    throw new ApiError(409, `workflow ${w.id} comes from a repository: change ${w.path} on the default branch of ${w.repository} (the API cannot write it)`);
  }
  requireOwnerAdmin(role, entry.workflow.owner, "updating a workflow");
  const overSeq = ifMatchSeq(req.headers["if-match"], entry.workflow);
  const previous = await deps.store.getWorkflowVersion(entry.workflow.id);
  const body = await readText(req, ["json", "yaml"]);
  const result = await updateOrgWide(deps.store, entry.workflow.id, saveInput(body, caller, deps), { overSeq });
  const saved = answerSave(result);
  await refreshSchedulesAfterSave(deps.store, saved, previous?.definition, deps.clock.now());
  if (result.ok) deps.log.info({ workflowId: saved.workflow.id, version: saved.version.version, outcome: result.outcome, actor: caller.actor }, "org-wide workflow updated");
  return { status: 200, body: { ...(await view(deps, saved.workflow)), outcome: result.ok ? result.outcome : "updated" }, headers: { etag: `"${saved.workflow.version}"` } };
}

function saveInput(body: { text: string; format: "json" | "yaml" }, caller: Caller, deps: ApiDeps) {
  return { text: body.text, format: body.format, path: `request body (${body.format})`, actor: caller.actor, now: deps.clock.now(), knownScripts: deps.knownScripts };
}

/** Creating or updating an owner's workflows takes its admin role; an owner the caller cannot see answers 404. */
function requireOwnerAdmin(role: Role | undefined, owner: string, what: string): void {
  if (role === undefined) throw new ApiError(404, `account ${JSON.stringify(owner)} was not found (or you cannot see it)`, [{ in: "body", pointer: "/owner", message: "no such account, or you cannot see it" }]);
  requireRole(role, "admin", what);
}

/**
 * `If-Match: "1.2.0"` (or a list of them, RFC 9110): the update is made only over the latest
 * version (its seq), when the header names it; one that names none answers 409 at once.
 */
function ifMatchSeq(header: string | undefined, current: StoredWorkflow): number {
  if (header === undefined || header.trim() === "*") return current.versions;
  const wanted = header.split(",").map((tag) => tag.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1"));
  if (!wanted.includes(current.version)) {
    const named = wanted.map((w) => JSON.stringify(w)).join(", ");
    throw new ApiError(409, `If-Match names version ${named}, but the latest is ${current.version}: read it again and make the change over that`, [{ in: "header", name: "if-match", message: "is not the latest version" }]);
  }
  return current.versions;
}

/** A save's answer: the saved workflow, or the error the refusal maps to (invalid → 400, a conflict of state → 409). */
function answerSave(result: SaveResult) {
  if (result.ok) return result;
  if (result.error === "invalid") throw invalidDocument(result.diagnostics);
  if (result.error === "notFound") throw notFound("the workflow");
  const status = result.error === "ownerChanged" || result.error === "idMismatch" ? 400 : 409;
  throw new ApiError(status, result.message, [{ in: "body", pointer: result.pointer, message: result.message }]);
}

async function view(deps: ApiDeps, workflow: StoredWorkflow) {
  const version = (await deps.store.getWorkflowVersion(workflow.id))!;
  return storedWorkflowView(workflow, version, await deps.store.listWorkflowVersions(workflow.id));
}

/** The owner's installation: GitHub's answer (the app's credentials), else one the catalogue has seen for the owner's repositories. */
async function installationOf(deps: ApiDeps, owner: string): Promise<number | undefined> {
  try {
    const found = await deps.directory?.ownerInstallation(owner);
    if (found !== undefined) return found;
  } catch (err) {
    deps.log.warn({ owner, error: (err as Error).message }, "could not ask GitHub for the owner's installation");
  }
  return knownInstallation(deps.store, owner);
}
