/**
 * Mapping between remediation tasks and their rows. Pure, shared by every backend, in the way
 * of rows.ts: optional fields become NULL and come back absent, lists are JSON, bigint columns
 * come back as numbers (Postgres drivers return them as strings).
 */
import type { Selectable, Updateable } from "kysely";
import type { RelatedFinding, RemediationTask, TaskResolution } from "../domain/task.js";
import { toJson } from "./rows.js";
import type { TasksTable } from "./schema.js";

/** The changeable columns of a task: what updateTask may write. */
export function taskStateToRow(task: Omit<RemediationTask, "version">) {
  return {
    title: task.title,
    description: task.description,
    assigned_to: toJson(task.assignedTo),
    status: task.status,
    resolution: task.resolution ?? null,
    // The six fields of each, nothing more: a Finding passed whole keeps none of its other fields.
    related_findings: toJson(task.relatedFindings.map((f) => ({ fingerprint: f.fingerprint, url: f.url, title: f.title, severity: f.severity, source: f.source, firstSeenAt: f.firstSeenAt }))),
    issue_number: task.issueNumber ?? null,
    issue_url: task.issueUrl ?? null,
    due_at: task.dueAt ?? null,
    closed_at: task.closedAt ?? null,
  } satisfies Updateable<TasksTable>;
}

/** The row of a new task (version 1). */
export function taskToRow(task: Omit<RemediationTask, "version">): Selectable<TasksTable> {
  return {
    id: task.id,
    key: task.key,
    fingerprint: task.fingerprint ?? null,
    repository: task.repository,
    repository_key: task.repository.toLowerCase(),
    installation_id: task.installationId,
    workflow_id: task.workflowId,
    run_id: task.runId,
    step_id: task.stepId,
    created_at: task.createdAt,
    version: 1,
    ...taskStateToRow(task),
  };
}

/** The task of a row. */
export function rowToTask(r: Selectable<TasksTable>): RemediationTask {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    assignedTo: JSON.parse(r.assigned_to) as string[],
    status: r.status,
    ...(r.resolution === null ? {} : { resolution: r.resolution as TaskResolution }),
    relatedFindings: JSON.parse(r.related_findings) as RelatedFinding[],
    repository: r.repository,
    ...(r.issue_number === null ? {} : { issueNumber: Number(r.issue_number) }),
    ...(r.issue_url === null ? {} : { issueUrl: r.issue_url }),
    createdAt: r.created_at,
    ...(r.due_at === null ? {} : { dueAt: r.due_at }),
    ...(r.closed_at === null ? {} : { closedAt: r.closed_at }),
    ...(r.fingerprint === null ? {} : { fingerprint: r.fingerprint }),
    key: r.key,
    installationId: Number(r.installation_id),
    workflowId: r.workflow_id,
    runId: r.run_id,
    stepId: r.step_id,
    version: Number(r.version),
  };
}
