/**
 * The remediation task data model (assignTask): a tracked piece of work, mirrored as a GitHub
 * issue, whose status follows its issue and its findings; the pure rules of its status and of
 * its related findings, and the limits the store holds every task to.
 */
import type { Finding } from "./finding.js";
import type { FindingSource, Severity } from "./workflow.js";

/**
 * Where a task stands.
 * - `open`: there is work to do: a new task, or one reopened (its issue reopened by people, or
 *   its alert reopened, which reopens the issue too).
 * - `completed`: the work was done: its issue was closed as completed by people, or its alert
 *   was fixed (the engine then closes the issue with a comment that says so).
 * - `closed`: it ended without the work: its issue was closed as not planned, or its alert was
 *   dismissed (the engine then closes the issue with a comment that says so).
 * `resolution` says which of those happened.
 */
export const TASK_STATUSES = ["open", "completed", "closed"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Why a task is no longer open: `issueCompleted` and `alertFixed` complete it, `issueNotPlanned` and `alertDismissed` close it. */
export const TASK_RESOLUTIONS = ["issueCompleted", "issueNotPlanned", "alertFixed", "alertDismissed"] as const;
export type TaskResolution = (typeof TASK_RESOLUTIONS)[number];

/** The status each resolution leaves a task in. */
export const RESOLUTION_STATUS: Readonly<Record<TaskResolution, Exclude<TaskStatus, "open">>> = {
  issueCompleted: "completed",
  alertFixed: "completed",
  issueNotPlanned: "closed",
  alertDismissed: "closed",
};

/** A finding a task is about, as the task (and its issue body) lists it. Times are ISO-8601 UTC strings. */
export interface RelatedFinding {
  /** The finding's fingerprint: a task lists each fingerprint at most once per url. */
  fingerprint: string;
  url: string;
  title: string;
  severity: Severity;
  source: FindingSource;
  /** When the task first met this finding. */
  firstSeenAt: string;
}

/** A remediation task as the store keeps it. Times are ISO-8601 UTC strings. */
export interface RemediationTask {
  id: string;
  title: string;
  /** Markdown: the issue body's own part (the related findings are listed after it). */
  description: string;
  /** GitHub logins (without `@`), as resolved from users, teams and CODEOWNERS when assigned. */
  assignedTo: string[];
  status: TaskStatus;
  /** Why the task is not open; absent while it is. */
  resolution?: TaskResolution;
  /** The findings the task is about, in the order they were met; never two with one fingerprint and one url. */
  relatedFindings: RelatedFinding[];
  /** Where the issue lives (`owner/name`): the event's repository, or the step's `project`. */
  repository: string;
  /** The issue that mirrors the task; absent between the task's creation and the issue's. */
  issueNumber?: number;
  /** The issue's URL (the `url` output), set with `issueNumber`. */
  issueUrl?: string;
  createdAt: string;
  dueAt?: string;
  /** When it stopped being open; absent while it is open. */
  closedAt?: string;
  /** The finding the task was made for: at most one task per fingerprint, ever. */
  fingerprint?: string;
  /** The assigning step's idempotency key (used when there is no finding): at most one task per key, ever. */
  key: string;
  installationId: number;
  /** The workflow, run and step that assigned it. */
  workflowId: string;
  runId: string;
  stepId: string;
  /** Counts the task's changes: every update is conditional on the version its writer read. */
  version: number;
}

/** A task to store: the store gives it version 1. */
export type NewRemediationTask = Omit<RemediationTask, "version">;

/**
 * A change to a task: each field given replaces the stored one; `null` removes an optional
 * field (a reopened task loses its `closedAt` and `resolution`). What identifies the task
 * (id, key, fingerprint, repository, workflow, run, step, createdAt) never changes.
 */
export interface TaskPatch {
  title?: string;
  description?: string;
  status?: TaskStatus;
  resolution?: TaskResolution | null;
  closedAt?: string | null;
  relatedFindings?: RelatedFinding[];
  assignedTo?: string[];
  dueAt?: string | null;
  issueNumber?: number;
  issueUrl?: string;
}

/** The bounds every stored task keeps; a task past one is refused whole (InvalidTaskError), never cut. */
export const TASK_LIMITS = {
  /** GitHub's limit on an issue title. */
  title: 256,
  /** GitHub's limit on an issue body. */
  description: 65_536,
  assignees: 100,
  login: 140,
  relatedFindings: 500,
  findingTitle: 1_000,
  url: 2_048,
  /** Ids, keys and fingerprints. */
  id: 1_000,
} as const;

/** A task the store refused: what was wrong, each problem a sentence; nothing was stored. */
export class InvalidTaskError extends Error {
  constructor(
    readonly problems: readonly string[],
    what = "task",
  ) {
    super(`${what} refused, nothing was stored: ${problems.join("; ")}`);
    this.name = "InvalidTaskError";
  }
}

/** The entry a finding gets in a task's related findings (its six fields, nothing else), first seen `now`. */
export function relatedFinding(finding: Pick<Finding, "fingerprint" | "url" | "title" | "severity" | "source">, now: Date): RelatedFinding {
  return { fingerprint: finding.fingerprint, url: finding.url, title: finding.title, severity: finding.severity, source: finding.source, firstSeenAt: now.toISOString() };
}

/** What adding a related finding did: `added`; `present` (its fingerprint and url are listed already: nothing changes); `full` (the list is at its limit: nothing changes). */
export type RelatedFindingOutcome = "added" | "present" | "full";

/**
 * The task's related findings with `finding` added, unless its fingerprint and url are listed already
 * (the first entry stays as it is) or the list is full. Never lists one occurrence twice.
 */
export function addRelatedFinding(
  task: Pick<RemediationTask, "relatedFindings">,
  finding: Pick<Finding, "fingerprint" | "url" | "title" | "severity" | "source"> | RelatedFinding,
  now: Date,
): { relatedFindings: RelatedFinding[]; outcome: RelatedFindingOutcome } {
  const list = task.relatedFindings;
  // One entry per occurrence: a finding with the task's fingerprint seen at another address (a
  // scanner's new report of the same problem) is added; the same one again is not.
  if (list.some((f) => f.fingerprint === finding.fingerprint && f.url === finding.url)) return { relatedFindings: list, outcome: "present" };
  if (list.length >= TASK_LIMITS.relatedFindings) return { relatedFindings: list, outcome: "full" };
  const entry = "firstSeenAt" in finding ? { ...relatedFinding(finding, now), firstSeenAt: finding.firstSeenAt } : relatedFinding(finding, now);
  return { relatedFindings: [...list, entry], outcome: "added" };
}

/** What happened to a task's issue or alert, as the engine's signals see it. */
export type TaskEvent =
  /** Its issue was closed by people; GitHub's `state_reason`: completed, not_planned, duplicate. */
  | { kind: "issueClosed"; reason?: string }
  | { kind: "issueReopened" }
  | { kind: "alertFixed" }
  | { kind: "alertDismissed" }
  | { kind: "alertReopened" };

/**
 * The change an event makes to a task's status, or undefined when it makes none. A closed
 * issue completes an open task (closes it, when closed as not planned or as a duplicate); a
 * fixed alert completes a task that is not completed; a dismissed alert closes an open one; a
 * reopened issue or alert reopens a task that is not open. A task that is already where the
 * event would put it keeps its resolution: the issue the engine closes after a fixed alert
 * stays "alertFixed".
 */
export function taskTransition(task: Pick<RemediationTask, "status">, event: TaskEvent, now: Date): TaskPatch | undefined {
  const end = (resolution: TaskResolution): TaskPatch => ({ status: RESOLUTION_STATUS[resolution], resolution, closedAt: now.toISOString() });
  switch (event.kind) {
    case "issueClosed":
      if (task.status !== "open") return undefined;
      return end(event.reason === "not_planned" || event.reason === "duplicate" ? "issueNotPlanned" : "issueCompleted");
    case "alertFixed":
      return task.status === "completed" ? undefined : end("alertFixed");
    case "alertDismissed":
      return task.status === "open" ? end("alertDismissed") : undefined;
    case "issueReopened":
    case "alertReopened":
      return task.status === "open" ? undefined : { status: "open", resolution: null, closedAt: null };
  }
}

/** The task with a patch applied (fields given replace, `null` removes); the identity fields are the stored ones. */
export function applyTaskPatch(task: RemediationTask, patch: TaskPatch): RemediationTask {
  const next: RemediationTask = { ...task };
  const mutable = next as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(patch) as [keyof TaskPatch, unknown][]) {
    if (!PATCHABLE.has(field) || value === undefined) continue;
    if (value === null) delete mutable[field];
    else mutable[field] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return next;
}

/** The fields a patch may change. */
const PATCHABLE = new Set<string>(["title", "description", "status", "resolution", "closedAt", "relatedFindings", "assignedTo", "dueAt", "issueNumber", "issueUrl"] satisfies (keyof TaskPatch)[]);
