/**
 * A task's status follows reality: its issue closed by people completes it (or closes it, as
 * not planned), its issue reopened reopens it; its alert fixed or dismissed closes the issue with
 * a comment that says why, and its alert reopened reopens both. The rules are `taskTransition`'s
 * (domain/task.ts); this applies them to the stored task and mirrors them on GitHub, once.
 */
import { once } from "../actions/once.js";
import type { Delivery, Signal } from "../domain/events.js";
import type { Clock, GitHubPort, Logger, Store } from "../domain/ports.js";
import { taskTransition, type RemediationTask, type TaskEvent } from "../domain/task.js";

type TaskSignal = Extract<Signal, { type: "issueClosed" | "issueReopened" | "alertResolved" | "alertReopened" }>;

/** Whether a signal can concern a task. */
export function concernsTasks(signal: Signal): signal is TaskSignal {
  return signal.type === "issueClosed" || signal.type === "issueReopened" || signal.type === "alertResolved" || signal.type === "alertReopened";
}

/** Applies the signal to the task it concerns, if one exists; returns the task as it is now. */
export async function applyTaskSignal(delivery: Delivery, signal: TaskSignal, github: GitHubPort, deps: { store: Store; clock: Clock; log: Logger }): Promise<RemediationTask | undefined> {
  const byIssue = signal.type === "issueClosed" || signal.type === "issueReopened";
  const found = byIssue ? await deps.store.findTask({ repository: signal.repository, issueNumber: signal.number }) : await deps.store.findTask({ fingerprint: signal.fingerprint });
  if (!found) return undefined;
  const event = taskEvent(signal);
  for (let task = found, tries = 0; tries < 3; tries++) {
    const patch = taskTransition(task, event, deps.clock.now());
    if (!patch) return task;
    // The issue first, then the task: a failure in between leaves the task as it was, so the
    // redelivered signal (or the job's retry) makes the same change again; the comment is once.
    // People changed the issue themselves: only the alert's changes are mirrored on it.
    if (!byIssue) await mirrorOnIssue(task, event, github, deps);
    const result = await deps.store.updateTask(task.id, task.version, patch);
    if (!result.updated) {
      if (!result.task) return undefined;
      task = result.task;
      continue;
    }
    deps.log.info({ deliveryId: delivery.id, taskId: task.id, status: result.task.status, resolution: result.task.resolution }, `task ${task.id} is ${result.task.status} (${event.kind})`);
    return result.task;
  }
  throw new Error(`task ${found.id}: could not record ${event.kind}: other writers kept changing it`);
}

function taskEvent(signal: TaskSignal): TaskEvent {
  switch (signal.type) {
    case "issueClosed":
      return { kind: "issueClosed", ...(signal.reason ? { reason: signal.reason } : {}) };
    case "issueReopened":
      return { kind: "issueReopened" };
    case "alertReopened":
      return { kind: "alertReopened" };
    case "alertResolved":
      return signal.state === "fixed" ? { kind: "alertFixed" } : { kind: "alertDismissed" };
  }
}

/** Closes or reopens the task's issue with a comment that says why, once per change of the task (keyed by the version it changes). */
async function mirrorOnIssue(task: RemediationTask, event: TaskEvent, github: GitHubPort, deps: { store: Store; clock: Clock }): Promise<void> {
  if (task.issueNumber === undefined) return;
  const [owner, repo] = task.repository.split("/") as [string, string];
  const number = task.issueNumber;
  const reopen = event.kind === "alertReopened";
  const why =
    event.kind === "alertFixed" ? "The alert this task tracks was fixed: closing the task."
    : event.kind === "alertDismissed" ? "The alert this task tracks was dismissed: closing the task as not planned."
    : "The alert this task tracks was reopened: reopening the task.";
  await once(deps, `task:${task.id}:v${task.version}:comment`, "comment", async () => undefined, async () => ({ ...(await github.createComment({ owner, repo }, number, why)) }));
  await github.updateIssue({ owner, repo }, number, reopen ? { state: "open", stateReason: "reopened" } : { state: "closed", stateReason: event.kind === "alertFixed" ? "completed" : "not_planned" });
}
