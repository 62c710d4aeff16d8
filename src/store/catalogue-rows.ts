/**
 * Mapping between the workflow catalogue and its rows. Pure, shared by every backend, in the way
 * of rows.ts: optional fields become NULL and come back absent, documents and filters are JSON,
 * bigint columns come back as numbers (Postgres drivers return them as strings), `*_key`
 * columns are their column in lower case.
 */
import type { Selectable } from "kysely";
import type { NewWorkflowVersion, RepositoryWorkflow, StoredWorkflow, StoredWorkflowVersion } from "../domain/stored-workflow.js";
import type { Workflow } from "../domain/workflow.js";
import { toJson } from "./rows.js";
import type { RepositoryWorkflowsTable, StoredWorkflowsTable, StoredWorkflowVersionsTable } from "./schema.js";

/** The columns of a workflow that follow its latest version (seq `seq`). */
export function latestToRow(v: NewWorkflowVersion, seq: number) {
  return {
    name: v.name,
    name_key: v.name.toLowerCase(),
    latest_seq: seq,
    latest_version: v.version,
    repositories: toJson(v.repositories),
    updated_at: v.createdAt,
  } satisfies Partial<Selectable<StoredWorkflowsTable>>;
}

/** The row of a new workflow, whose first version is `first`. */
export function workflowToRow(workflow: { id: string; owner: string; installationId?: number }, first: NewWorkflowVersion): Selectable<StoredWorkflowsTable> {
  return {
    id: workflow.id,
    owner: workflow.owner,
    owner_key: workflow.owner.toLowerCase(),
    installation_id: workflow.installationId ?? null,
    created_at: first.createdAt,
    ...latestToRow(first, 1),
  };
}

export function rowToStoredWorkflow(r: Selectable<StoredWorkflowsTable>): StoredWorkflow {
  return {
    id: r.id,
    owner: r.owner,
    ...(r.installation_id === null ? {} : { installationId: Number(r.installation_id) }),
    name: r.name,
    version: r.latest_version,
    repositories: JSON.parse(r.repositories) as string[],
    versions: Number(r.latest_seq),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function versionToRow(workflowId: string, seq: number, v: NewWorkflowVersion): Selectable<StoredWorkflowVersionsTable> {
  return {
    workflow_id: workflowId,
    seq,
    version: v.version,
    name: v.name,
    definition: toJson(v.definition),
    source: v.source,
    format: v.format,
    repositories: toJson(v.repositories),
    created_at: v.createdAt,
    created_by: v.createdBy,
  };
}

export function rowToVersion(r: Selectable<StoredWorkflowVersionsTable>): StoredWorkflowVersion {
  return {
    workflowId: r.workflow_id,
    seq: Number(r.seq),
    version: r.version,
    definition: JSON.parse(r.definition) as Workflow,
    source: r.source,
    format: r.format,
    repositories: JSON.parse(r.repositories) as string[],
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** The row of a repository workflow; `repository` is how the entry spells it. */
export function repositoryWorkflowToRow(w: RepositoryWorkflow): Selectable<RepositoryWorkflowsTable> {
  const repositoryKey = w.repository.toLowerCase();
  return {
    repository_key: repositoryKey,
    repository: w.repository,
    owner_key: repositoryKey.slice(0, repositoryKey.indexOf("/")),
    path: w.path,
    id: w.id,
    installation_id: w.installationId,
    commit_sha: w.commit,
    name: w.name,
    name_key: w.name.toLowerCase(),
    version: w.version,
    definition: toJson(w.definition),
    seen_at: w.seenAt,
  };
}

export function rowToRepositoryWorkflow(r: Selectable<RepositoryWorkflowsTable>): RepositoryWorkflow {
  return {
    id: r.id,
    repository: r.repository,
    installationId: Number(r.installation_id),
    path: r.path,
    commit: r.commit_sha,
    name: r.name,
    version: r.version,
    definition: JSON.parse(r.definition) as Workflow,
    seenAt: r.seen_at,
  };
}
