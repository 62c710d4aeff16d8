/**
 * The REST API's JSON views of workflows (org-wide and repository ones alike) and runs, and the
 * opaque cursors of its pages. What the OpenAPI document's schemas describe.
 */
import type { Run } from "../domain/run.js";
import type { CatalogueEntry, RepositoryWorkflow, StoredWorkflow, StoredWorkflowVersion } from "../domain/stored-workflow.js";
import { badQuery } from "./respond.js";

/** A workflow in a list: which one, where it comes from, its latest version. */
export function workflowSummary(entry: CatalogueEntry) {
  if (entry.source === "api") return storedSummary(entry.workflow);
  return repositorySummary(entry.workflow);
}

function storedSummary(w: StoredWorkflow) {
  return {
    id: w.id,
    source: "api" as const,
    name: w.name,
    version: w.version,
    owner: w.owner,
    repositories: w.repositories,
    versions: w.versions,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    links: { self: `/api/workflows/${encodeURIComponent(w.id)}`, runs: `/api/workflows/${encodeURIComponent(w.id)}/runs` },
  };
}

function repositorySummary(w: RepositoryWorkflow) {
  return {
    id: w.id,
    source: "repository" as const,
    name: w.name,
    version: w.version,
    owner: w.repository.split("/")[0]!,
    repository: w.repository,
    path: w.path,
    commit: w.commit,
    seenAt: w.seenAt,
    links: { self: `/api/workflows/${encodeURIComponent(w.id)}`, runs: `/api/workflows/${encodeURIComponent(w.id)}/runs` },
  };
}

/** An org-wide workflow at one version, with its document and the history of its versions. */
export function storedWorkflowView(w: StoredWorkflow, version: StoredWorkflowVersion, history: StoredWorkflowVersion[]) {
  return {
    ...storedSummary(w),
    version: version.version,
    name: version.definition.name,
    repositories: version.repositories,
    latest: version.seq === w.versions,
    createdBy: version.createdBy,
    versionCreatedAt: version.createdAt,
    definition: version.definition,
    document: { format: version.format, text: version.source },
    history: history.map((v) => ({ version: v.version, seq: v.seq, createdAt: v.createdAt, createdBy: v.createdBy })),
  };
}

/** A repository workflow, as last read from its default branch. */
export function repositoryWorkflowView(w: RepositoryWorkflow) {
  return { ...repositorySummary(w), latest: true, definition: w.definition };
}

/** A run in a list. */
export function runSummary(run: Run) {
  return {
    id: run.id,
    workflowId: run.workflowId,
    workflowName: run.workflowName,
    workflowVersion: run.workflowVersion,
    workflowPath: run.workflowPath,
    workflowCommit: run.workflowCommit,
    repository: run.repository,
    status: run.status,
    createdAt: run.createdAt,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    currentStepId: run.currentStepId ?? null,
    waiting: run.steps.filter((s) => s.status === "waiting" && s.waiting).map((s) => ({ stepId: s.stepId, kind: s.waiting!.kind })),
    links: { self: `/api/runs/${run.id}` },
  };
}

/** A run in full: the data model's Run fields, its steps' states and its log. */
export function runView(run: Run) {
  return {
    ...runSummary(run),
    deliveryId: run.deliveryId,
    checkRunId: run.checkRunId ?? null,
    cancelRequested: run.cancelRequested ?? null,
    steps: run.steps.map((s) => ({
      stepId: s.stepId,
      name: s.name ?? null,
      type: s.type,
      kind: s.kind ?? null,
      status: s.status,
      attempt: s.attempt,
      startedAt: s.startedAt ?? null,
      finishedAt: s.finishedAt ?? null,
      outcome: s.outcome ?? null,
      error: s.error ?? null,
      outputs: s.outputs ?? {},
      waiting: s.waiting ?? null,
    })),
    log: run.log,
  };
}

/** A run the API was asked for and the engine has not made yet. */
export function queuedRunView(id: string, repository: string, workflowId: string, at: string) {
  return { id, workflowId, repository, status: "pending" as const, queued: true, createdAt: at, steps: [], log: [], links: { self: `/api/runs/${id}` } };
}

/** A keyset cursor over runs (newest first): opaque to clients. */
export function runCursor(run: Pick<Run, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify([run.createdAt, run.id])).toString("base64url");
}

export function parseRunCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") return { createdAt: value[0], id: value[1] };
  } catch {
    // answered below
  }
  throw badQuery("cursor", "is not a cursor this API gave (use the `next` of the page before)");
}
