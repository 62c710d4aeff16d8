/**
 * What every store checks before it writes a remediation task: TASK_LIMITS, well-formed times,
 * known statuses, a status that agrees with its resolution and close time, text a Postgres
 * column can hold. Pure, shared by every backend; a task that fails is refused whole. Its text,
 * time and repository checks serve the workflow catalogue's (catalogue-checks.ts) too.
 */
import { FINDING_SOURCES, SEVERITIES } from "../domain/workflow.js";
import { InvalidTaskError, RESOLUTION_STATUS, TASK_LIMITS, TASK_RESOLUTIONS, TASK_STATUSES, type NewRemediationTask, type RelatedFinding } from "../domain/task.js";

/** `owner/name` as GitHub spells them: an owner of at most 39 characters, a name of at most 100. */
export const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** Throws InvalidTaskError, listing every problem, unless the task may be stored. */
export function assertStorableTask(task: NewRemediationTask): void {
  const problems = taskProblems(task);
  if (problems.length > 0) throw new InvalidTaskError(problems, `task ${JSON.stringify(String(task.id).slice(0, 80))}`);
}

/** Throws InvalidTaskError unless the related finding may be stored. */
export function assertStorableFinding(finding: RelatedFinding): void {
  const problems: string[] = [];
  findingProblems(finding, "finding", problems);
  if (problems.length > 0) throw new InvalidTaskError(problems, "related finding");
}

/** Every reason the task may not be stored (none: it may). */
export function taskProblems(task: NewRemediationTask): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  text(task.id, "id", 1, TASK_LIMITS.id, problems);
  text(task.key, "key", 1, TASK_LIMITS.id, problems);
  if (task.fingerprint !== undefined) text(task.fingerprint, "fingerprint", 1, TASK_LIMITS.id, problems);
  text(task.title, "title", 1, TASK_LIMITS.title, problems);
  text(task.description, "description", 0, TASK_LIMITS.description, problems);
  for (const field of ["workflowId", "runId", "stepId"] as const) text(task[field], field, 1, TASK_LIMITS.id, problems);
  need(typeof task.repository === "string" && REPOSITORY.test(task.repository), `repository must be owner/name, got ${show(task.repository)}`);
  need(Number.isSafeInteger(task.installationId) && task.installationId > 0, `installationId must be a positive integer, got ${show(task.installationId)}`);

  if (!Array.isArray(task.assignedTo)) problems.push("assignedTo must be a list of logins");
  else {
    need(task.assignedTo.length <= TASK_LIMITS.assignees, `assignedTo has ${task.assignedTo.length} logins, more than ${TASK_LIMITS.assignees}`);
    task.assignedTo.slice(0, TASK_LIMITS.assignees + 1).forEach((login, i) => text(login, `assignedTo[${i}]`, 1, TASK_LIMITS.login, problems));
    need(new Set(task.assignedTo).size === task.assignedTo.length, "assignedTo lists a login twice");
  }

  if (!Array.isArray(task.relatedFindings)) problems.push("relatedFindings must be a list");
  else {
    const count = task.relatedFindings.length;
    need(count <= TASK_LIMITS.relatedFindings, `relatedFindings has ${count} findings, more than ${TASK_LIMITS.relatedFindings}`);
    task.relatedFindings.slice(0, TASK_LIMITS.relatedFindings + 1).forEach((f, i) => findingProblems(f, `relatedFindings[${i}]`, problems));
    need(new Set(task.relatedFindings.map((f) => f?.fingerprint)).size === count, "relatedFindings lists a fingerprint twice");
  }

  need((TASK_STATUSES as readonly unknown[]).includes(task.status), `status must be one of ${TASK_STATUSES.join(", ")}, got ${show(task.status)}`);
  time(task.createdAt, "createdAt", problems);
  if (task.dueAt !== undefined) time(task.dueAt, "dueAt", problems);
  if (task.closedAt !== undefined) time(task.closedAt, "closedAt", problems);
  if (task.resolution !== undefined) {
    const known = (TASK_RESOLUTIONS as readonly unknown[]).includes(task.resolution);
    need(known, `resolution must be one of ${TASK_RESOLUTIONS.join(", ")}, got ${show(task.resolution)}`);
    if (known) need(RESOLUTION_STATUS[task.resolution] === task.status, `a task resolved ${task.resolution} is ${RESOLUTION_STATUS[task.resolution]}, not ${show(task.status)}`);
  }
  if (task.status === "open") need(task.closedAt === undefined && task.resolution === undefined, "an open task has no closedAt and no resolution");
  else need(task.closedAt !== undefined, `a ${String(task.status)} task needs closedAt`);

  if (task.issueNumber !== undefined) need(Number.isSafeInteger(task.issueNumber) && task.issueNumber > 0, `issueNumber must be a positive integer, got ${show(task.issueNumber)}`);
  if (task.issueUrl !== undefined) {
    text(task.issueUrl, "issueUrl", 1, TASK_LIMITS.url, problems);
    need(task.issueNumber !== undefined, "issueUrl comes with issueNumber");
  }
  return problems;
}

function findingProblems(f: RelatedFinding, where: string, problems: string[]): void {
  if (typeof f !== "object" || f === null) {
    problems.push(`${where} must be an object`);
    return;
  }
  text(f.fingerprint, `${where}.fingerprint`, 1, TASK_LIMITS.id, problems);
  text(f.url, `${where}.url`, 0, TASK_LIMITS.url, problems);
  text(f.title, `${where}.title`, 0, TASK_LIMITS.findingTitle, problems);
  if (!(SEVERITIES as readonly unknown[]).includes(f.severity)) problems.push(`${where}.severity must be one of ${SEVERITIES.join(", ")}, got ${show(f.severity)}`);
  if (!(FINDING_SOURCES as readonly unknown[]).includes(f.source)) problems.push(`${where}.source must be one of ${FINDING_SOURCES.join(", ")}, got ${show(f.source)}`);
  time(f.firstSeenAt, `${where}.firstSeenAt`, problems);
}

/** A string of `min` to `max` UTF-16 units, without NUL (a Postgres text column cannot hold it) or a lone surrogate (not UTF-8). */
export function text(value: unknown, field: string, min: number, max: number, problems: string[]): void {
  if (typeof value !== "string") {
    problems.push(`${field} must be text, got ${show(value)}`);
    return;
  }
  if (value.length < min) problems.push(`${field} is empty`);
  else if (value.length > max) problems.push(`${field} is ${value.length} characters long, more than ${max}`);
  else if (!wellFormed(value)) problems.push(`${field} holds a NUL character or a broken surrogate pair`);
}

/** An ISO-8601 UTC time as Date#toISOString writes it: one format, so times compare as text. */
export function time(value: unknown, field: string, problems: string[]): void {
  const ok = typeof value === "string" && value.length <= 30 && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
  if (!ok) problems.push(`${field} must be an ISO-8601 UTC time such as 2030-01-01T00:00:00.000Z, got ${show(value)}`);
}

function wellFormed(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0) return false;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) return false;
  }
  return true;
}

/** A value in a message, short. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 59)}…` : value);
  if (value === undefined) return "nothing";
  try {
    const json = JSON.stringify(value);
    return json === undefined ? typeof value : json.length > 60 ? `${json.slice(0, 59)}…` : json;
  } catch {
    return typeof value;
  }
}
