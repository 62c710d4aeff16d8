/**
 * The REST API's run endpoints: start a workflow by hand (its manual trigger's inputs checked
 * here, the run made by the engine under the id answered), list a workflow's runs, read one,
 * and approve, reject or cancel it. Votes and cancels are signals the engine applies with the
 * same rules as the check-run buttons and comments; this only refuses early what it can see.
 */
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import type { Delivery, RepositoryInfo, Signal } from "../domain/events.js";
import { RUN_STATUSES, type Run } from "../domain/run.js";
import { appliesTo } from "../engine/org-wide.js";
import { isFinishedRun } from "../engine/run-writer.js";
import { manualConfig } from "../triggers/find-workflow.js";
import { resolveInputs } from "../triggers/inputs.js";
import { atLeast } from "./caller.js";
import { apiRunDeliveryId, requireRole, visibleRun, visibleWorkflow } from "./access.js";
import { enumParam, limitParam, onlyParams, textParam } from "./params.js";
import { readJsonObject } from "./request-body.js";
import { ApiError, badBody } from "./respond.js";
import type { Route, RouteContext } from "./router.js";
import { parseRunCursor, queuedRunView, runCursor, runSummary, runView } from "./views.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]));
const idDoc = (name: string, what: string) => ({ name, in: "path", required: true, schema: { type: "string", maxLength: 128 }, description: what });

/** The body of a start: which repository, and the manual trigger's inputs. */
export const START_BODY = {
  type: "object",
  properties: {
    repository: { type: "string", pattern: "^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$", description: "owner/name; a repository workflow's own repository when left out." },
    inputs: { type: "object", maxProperties: 50, additionalProperties: { type: ["string", "number", "boolean"], maxLength: 1000 }, description: "The manual trigger's inputs." },
  },
  additionalProperties: false,
} as const;

/** The body of a vote. */
export const VOTE_BODY = {
  type: "object",
  properties: {
    stepId: { type: "string", maxLength: 64, description: "The approval step (when the run waits for several)." },
    comment: { type: "string", maxLength: 500 },
  },
  additionalProperties: false,
} as const;

export const CANCEL_BODY = { type: "object", properties: {}, additionalProperties: false } as const;

const vote = (decision: "approve" | "reject"): Route => ({
  method: "POST",
  path: `/api/runs/{runId}/${decision}`,
  operation: {
    operationId: `${decision}Run`,
    summary: `${decision === "approve" ? "Approve" : "Reject"} the approval a run waits for (an approver with the runner role; never the pull request's author)`,
    parameters: [idDoc("runId", "The run's id.")],
    requestBody: { required: false, ...json(ref(`VoteBody`)) },
    responses: { "202": { description: "The vote was handed to the engine, which records it on the run.", ...json(ref("Accepted")) }, ...errors(400, 401, 403, 404, 409, 503) },
  },
  handle: (ctx) => signalRun(ctx, decision),
});

export const runRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/workflows/{id}/run",
    operation: {
      operationId: "startRun",
      summary: "Start a run of a workflow's manual trigger in a repository (the runner role there)",
      parameters: [idDoc("id", "The workflow's id.")],
      requestBody: { required: false, ...json(ref("StartBody")) },
      responses: { "202": { description: "The run is queued under this id.", ...json(ref("Started")) }, ...errors(400, 401, 403, 404, 409, 503) },
    },
    handle: startRun,
  },
  {
    method: "GET",
    path: "/api/workflows/{id}/runs",
    operation: {
      operationId: "listWorkflowRuns",
      summary: "A workflow's runs, newest first (those in repositories the caller can see)",
      parameters: [
        idDoc("id", "The workflow's id."),
        { name: "status", in: "query", schema: { enum: [...RUN_STATUSES] } },
        { name: "cursor", in: "query", schema: { type: "string" } },
        { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
      ],
      responses: { "200": { description: "A page of runs.", ...json(ref("RunPage")) }, ...errors(400, 401, 404, 503) },
    },
    handle: listRuns,
  },
  {
    method: "GET",
    path: "/api/runs/{runId}",
    operation: {
      operationId: "getRun",
      summary: "A run: its status, steps and log",
      parameters: [idDoc("runId", "The run's id.")],
      responses: { "200": { description: "The run.", ...json(ref("Run")) }, ...errors(401, 404, 503) },
    },
    handle: getRun,
  },
  vote("approve"),
  vote("reject"),
  {
    method: "POST",
    path: "/api/runs/{runId}/cancel",
    operation: {
      operationId: "cancelRun",
      summary: "Cancel a run at its next step boundary (the runner role)",
      parameters: [idDoc("runId", "The run's id.")],
      requestBody: { required: false, ...json(ref("CancelBody")) },
      responses: { "202": { description: "The cancel was handed to the engine.", ...json(ref("Accepted")) }, ...errors(400, 401, 403, 404, 409, 503) },
    },
    handle: (ctx) => signalRun(ctx, "cancel"),
  },
];

async function startRun({ req, params, query, caller, deps }: RouteContext) {
  onlyParams(query, []);
  const body = await readJsonObject<{ repository?: string; inputs?: Record<string, string | number | boolean> }>(req, START_BODY);
  const { entry } = await visibleWorkflow(deps, caller, params.id!, body.repository);
  const definition = entry.source === "repository" ? entry.workflow.definition : (await deps.store.getWorkflowVersion(entry.workflow.id))!.definition;
  let target: string;
  if (entry.source === "repository") {
    target = entry.workflow.repository;
    if (body.repository !== undefined && body.repository.toLowerCase() !== target.toLowerCase()) throw badBody("/repository", `a repository workflow runs in its own repository, ${target}`);
  } else {
    if (body.repository === undefined) throw badBody("/repository", "is required: the repository of the owner to run the org-wide workflow in");
    target = body.repository;
    const [owner, name] = target.split("/") as [string, string];
    if (owner.toLowerCase() !== entry.workflow.owner.toLowerCase() || !appliesTo(entry.workflow.repositories, name)) {
      throw badBody("/repository", `the workflow applies to ${entry.workflow.owner}'s repositories ${entry.workflow.repositories.join(", ")}, not to ${target}`);
    }
  }
  const role = await caller.repositoryRole(target);
  if (!atLeast(role, "viewer")) throw new ApiError(404, `repository ${target} was not found (or you cannot see it)`, [{ in: "body", pointer: "/repository", message: "no such repository, or you cannot see it" }]);
  requireRole(role!, "runner", "starting a run");
  const manual = manualConfig(definition);
  if (!manual) throw new ApiError(409, `workflow ${definition.name} cannot be started by hand: it has no manual trigger`);
  const given = Object.fromEntries(Object.entries(body.inputs ?? {}).map(([k, v]) => [k, String(v)]));
  const inputs = resolveInputs(manual.inputs, given);
  if (!inputs.ok) throw new ApiError(400, `the inputs are not right: ${inputs.errors.join("; ")}`, inputs.errors.map((message) => ({ in: "body", pointer: inputPointer(message), message })));
  const repository = await repositoryOf(deps, target);
  const runId = uuidv7();
  const now = deps.clock.now().toISOString();
  const delivery: Delivery = {
    id: apiRunDeliveryId(runId),
    event: "api",
    action: "run",
    installationId: repository.installationId,
    repository: repository.repository,
    triggers: [{ kind: "manual", workflow: entry.workflow.id, inputs: given, actor: caller.actor, via: "api", runId }],
    payload: { source: "api", actor: caller.actor, workflow: entry.workflow.id, inputs: given },
    receivedAt: now,
  };
  await deps.store.acceptDelivery(delivery);
  deps.wake();
  deps.log.info({ runId, workflowId: entry.workflow.id, repository: target, actor: caller.actor }, "run requested through the API");
  return { status: 202, body: { runId, status: "pending", url: `/api/runs/${runId}` }, headers: { location: `/api/runs/${runId}` } };
}

/** The pointer of the input an inputs error names (`input "x" …`), else the inputs as a whole. */
function inputPointer(message: string): string {
  const name = /input "([^"]+)"/.exec(message)?.[1];
  return name === undefined ? "/inputs" : `/inputs/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

async function repositoryOf(deps: RouteContext["deps"], fullName: string): Promise<{ installationId: number; repository: RepositoryInfo }> {
  if (!deps.directory) throw new ApiError(503, "runs cannot be started: the app has no GitHub credentials here");
  const found = await deps.directory.repository(fullName);
  if (!found) throw new ApiError(404, `the app is not installed on ${fullName}`, [{ in: "body", pointer: "/repository", message: "the app is not installed on it" }]);
  return found;
}

async function listRuns({ params, query, caller, deps }: RouteContext) {
  onlyParams(query, ["status", "cursor", "limit"]);
  const { entry } = await visibleWorkflow(deps, caller, params.id!);
  const status = enumParam(query, "status", RUN_STATUSES);
  const limit = limitParam(query);
  const cursor = textParam(query, "cursor", 500);
  const runs = await deps.store.listRuns({ workflowId: entry.workflow.id, ...(status ? { status } : {}), limit: limit + 1, withoutLog: true, ...(cursor ? { before: parseRunCursor(cursor) } : {}) });
  const page = runs.slice(0, limit);
  const roles = new Map<string, boolean>();
  const shown: Run[] = [];
  for (const run of page) {
    const key = run.repository.toLowerCase();
    if (!roles.has(key)) roles.set(key, atLeast(await caller.repositoryRole(run.repository), "viewer"));
    if (roles.get(key)) shown.push(run);
  }
  return { status: 200, body: { runs: shown.map(runSummary), next: runs.length > limit ? runCursor(page.at(-1)!) : null } };
}

async function getRun({ params, query, caller, deps }: RouteContext) {
  onlyParams(query, []);
  const { run, repository } = await visibleRun(deps, caller, params.runId!);
  if (run) return { status: 200, body: runView(run) };
  const queued = (await deps.store.getDelivery(apiRunDeliveryId(params.runId!)))!;
  const trigger = queued.triggers[0];
  return { status: 200, body: queuedRunView(params.runId!, repository, trigger?.kind === "manual" ? trigger.workflow : "", queued.receivedAt) };
}

async function signalRun({ req, params, query, caller, deps }: RouteContext, what: "approve" | "reject" | "cancel") {
  onlyParams(query, []);
  const { run, role } = await visibleRun(deps, caller, params.runId!);
  requireRole(role, "runner", what === "cancel" ? "cancelling a run" : "voting on an approval");
  const body = await readJsonObject<{ stepId?: string; comment?: string }>(req, what === "cancel" ? CANCEL_BODY : VOTE_BODY);
  if (!run || isFinishedRun(run)) throw new ApiError(409, run ? `the run has ${run.status} already` : "the run has not started yet: try again shortly");
  const at = deps.clock.now().toISOString();
  let signal: Signal;
  if (what === "cancel") {
    signal = { type: "cancel", actor: caller.actor, at, runId: run.id, via: "api" };
  } else {
    if (caller.kind === "token") throw new ApiError(403, "approvals are made by people: use the GitHub user token of an approver, not an API token");
    const waiting = run.steps.filter((s) => s.status === "waiting" && s.waiting?.kind === "approval" && (body.stepId === undefined || s.stepId === body.stepId));
    if (waiting.length === 0) throw new ApiError(409, body.stepId ? `step ${body.stepId} is not waiting for an approval` : "the run is not waiting for an approval");
    const author = waiting.map((s) => (s.waiting as { author?: string }).author).find((a) => a?.toLowerCase() === caller.actor.toLowerCase());
    if (author) throw new ApiError(403, "the author of a pull request cannot approve their own change");
    signal = { type: "approval", decision: what, actor: caller.actor, at, via: "api", runId: run.id, ...(body.stepId ? { stepId: body.stepId } : {}), ...(body.comment ? { comment: body.comment } : {}) };
  }
  const delivery: Delivery = {
    id: `api-${what}-${uuidv4()}`,
    event: "api",
    action: what,
    installationId: run.installationId,
    repository: (await deps.store.getDelivery(run.deliveryId))?.repository ?? repositoryInfoOf(run),
    triggers: [{ kind: "signal", signal }],
    payload: { source: "api", actor: caller.actor, runId: run.id },
    receivedAt: at,
  };
  await deps.store.acceptDelivery(delivery);
  deps.wake();
  deps.log.info({ runId: run.id, actor: caller.actor, signal: what }, "run signal through the API");
  return { status: 202, body: { accepted: true, runId: run.id, message: `the ${what === "cancel" ? "cancel" : "vote"} is handed to the engine: the run's log says what it did`, url: `/api/runs/${run.id}` } };
}

/** A run's repository when its delivery is gone: enough for a signal (which finds the run by id). */
function repositoryInfoOf(run: Run): RepositoryInfo {
  const [owner, name] = run.repository.split("/") as [string, string];
  return { id: 0, owner, name, fullName: run.repository, defaultBranch: "", url: "" };
}
