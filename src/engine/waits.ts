/** The waiting states of approval and wait steps: what a step waits for when it starts, and when time alone ends the wait. */
import type { Delivery, TriggerEvent } from "../domain/events.js";
import { issueOpenedBy, type Run, type StepRecord, type WaitState } from "../domain/run.js";
import type { ApprovalStep, WaitStep } from "../domain/workflow.js";
import { definitionFor } from "../triggers/registry.js";
import { parseDuration } from "../workflows/durations.js";

/** What starting an approval or wait step leads to: a wait, or (a time already past) an outcome. */
export type WaitStart = { waiting: WaitState; message: string } | { outcome: string; message: string };

/** The state an approval step waits in; `issues` are the issue and pull request numbers whose comments vote. */
export function startApproval(step: ApprovalStep, trigger: TriggerEvent, now: Date, issues: number[] = []): WaitStart {
  const { approvers, minApprovals = 1, timeout } = step.approval;
  const timeoutAt = timeout ? new Date(now.getTime() + parseDuration(timeout)!).toISOString() : undefined;
  const author = definitionFor(trigger)?.discussion?.(trigger)?.author;
  return {
    waiting: { kind: "approval", approvers, minApprovals, ...(timeoutAt ? { timeoutAt } : {}), votes: [], ...(author ? { author } : {}), issues },
    message: `waiting for ${minApprovals} approval${minApprovals === 1 ? "" : "s"} from ${approvers.join(", ")}${timeout ? ` (times out after ${timeout})` : ""}`,
  };
}

/** The state a wait step waits in: a timer, or an event with an optional timeout. */
export function startWait(step: WaitStep, run: Run, trigger: TriggerEvent, now: Date): WaitStart {
  const w = step.wait;
  if (w.duration !== undefined || w.until !== undefined) {
    const until = w.duration !== undefined ? new Date(now.getTime() + parseDuration(w.duration)!) : new Date(w.until!);
    if (until.getTime() <= now.getTime()) return { outcome: "done", message: `${w.until} has passed already` };
    return { waiting: { kind: "timer", until: until.toISOString() }, message: `waiting until ${until.toISOString()}${w.duration ? ` (${w.duration})` : ""}` };
  }
  const timeoutAt = w.timeout ? new Date(now.getTime() + parseDuration(w.timeout)!).toISOString() : undefined;
  const withTimeout = timeoutAt ? { timeoutAt } : {};
  switch (w.for) {
    case "issueClosed":
    case "taskClosed": {
      const opened = openedIssue(run, w.step);
      if (!opened) throw new Error(`nothing to wait for: no earlier step of this run opened an issue${w.step ? ` (step "${w.step}")` : ""}`);
      // A task's wait ends at its due date at the latest: `timedOut` is the escalation's route.
      const due = w.for === "taskClosed" ? taskDueAt(run, w.step) : undefined;
      const until = [timeoutAt, due].filter((t): t is string => t !== undefined).sort()[0];
      const bounded = until ? { timeoutAt: until } : {};
      const dueNote = due && until === due ? ` (the task is due ${due})` : "";
      return { waiting: { kind: "event", event: "issueClosed", target: opened, ...bounded }, message: `waiting for ${opened} to be closed${dueNote}` };
    }
    case "alertResolved": {
      if (trigger.kind !== "finding") throw new Error("nothing to wait for: this run was not started by a finding");
      return { waiting: { kind: "event", event: "alertResolved", target: trigger.finding.fingerprint, ...withTimeout }, message: `waiting for the alert ${trigger.finding.url || trigger.finding.fingerprint} to be fixed or dismissed` };
    }
    case "checkCompleted": {
      const target = `${w.checkName!}@${run.headSha ?? ""}`;
      return { waiting: { kind: "event", event: "checkCompleted", target, ...withTimeout }, message: `waiting for the check "${w.checkName!}" to complete` };
    }
    default:
      throw new Error("the wait step says neither duration, until nor for");
  }
}

/** The due date of the task an assignTask step of this run assigned (the named step's, else the latest). */
function taskDueAt(run: Run, stepId: string | undefined): string | undefined {
  const tasks = run.steps.filter((s) => s.kind === "assignTask" && s.status === "succeeded" && (stepId === undefined || s.stepId === stepId));
  const due = tasks.at(-1)?.outputs?.dueAt;
  return typeof due === "string" ? due : undefined;
}

/** `owner/repo#number` of the issue a createIssue or assignTask step of this run opened (the named step's, else the latest). */
function openedIssue(run: Run, stepId: string | undefined): string | undefined {
  const opened = run.steps.filter((s) => stepId === undefined || s.stepId === stepId).flatMap((s) => issueOpenedBy(s, run.repository) ?? []);
  const last = opened.at(-1);
  return last ? `${last.repository}#${String(last.number)}` : undefined;
}

/** The earliest time a waiting record needs attention, if it has one. */
export function dueAt(record: StepRecord): string | undefined {
  const w = record.waiting;
  if (!w) return undefined;
  if (w.kind === "timer" || w.kind === "retry") return w.until;
  return w.timeoutAt;
}

/** The outcome a waiting record has reached by `now` on time alone (timers and timeouts). */
export function dueOutcome(record: StepRecord, now: Date): "done" | "timedOut" | "retry" | undefined {
  const at = dueAt(record);
  if (!at || new Date(at).getTime() > now.getTime()) return undefined;
  switch (record.waiting!.kind) {
    case "timer":
      return "done";
    case "retry":
      return "retry";
    default:
      return "timedOut";
  }
}

/** The issues whose comments vote on an approval: the event's pull request or issue (its trigger type's discussion, and the payload's issue) (and the issues the run opens: issuesOpenedInRepository). */
export function voteIssues(delivery: Pick<Delivery, "payload">, trigger: TriggerEvent | undefined): number[] {
  const issues: number[] = [];
  const discussion = trigger && definitionFor(trigger)?.discussion?.(trigger);
  if (discussion) issues.push(discussion.number);
  const issue = (delivery.payload as { issue?: { number?: unknown } } | undefined)?.issue?.number;
  if (typeof issue === "number") issues.push(issue);
  return [...new Set(issues)];
}
