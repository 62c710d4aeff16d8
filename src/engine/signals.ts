/**
 * Applies signals (approvals, rejections, closed issues, resolved alerts, completed checks,
 * cancels) to the runs waiting for them, checking who may vote or cancel, and commits each
 * change with the job that continues the run.
 */
import type { Delivery, Signal } from "../domain/events.js";
import { canRunByHand, type Clock, type GitHubPort, type Logger, type Store } from "../domain/ports.js";
import { issuesOpenedInRepository, type ApprovalVote, type LogEntry, type Run, type StepRecord } from "../domain/run.js";
import { changeRun, isFinishedRun } from "./run-writer.js";
import { runJob } from "./runner.js";
import { completeWaiting } from "./step-outcomes.js";
import { voteIssues } from "./waits.js";
import { applyTaskSignal, concernsTasks } from "./task-signals.js";
import { applyWorkflowRun } from "./workflow-run-signals.js";

export interface SignalDeps {
  store: Store;
  clock: Clock;
  log: Logger;
}

/**
 * Applies a signal to the runs of the delivery's repository that wait for it: records an
 * approval or rejection (only from a listed approver, never the pull request's author), ends
 * event waits, requests a cancel. The runs are found through the wait index (one query
 * however many runs exist); each change is committed as the run's single writer, with the job
 * that continues the run in the same transaction, so a crash can never leave a decided
 * approval without a job to act on it. Returns the ids of the runs changed. A signal that
 * arrives while the app is down comes back as a redelivered webhook and is applied then.
 */
export async function applySignal(delivery: Delivery, signal: Signal, github: GitHubPort, deps: SignalDeps): Promise<string[]> {
  const continuation = (run: Run) => [runJob(run, `run:${run.id}:${delivery.id}`)];
  if (signal.type === "cancel") {
    const run = await deps.store.getRun(signal.runId);
    if (!run || run.repository !== delivery.repository.fullName || isFinishedRun(run)) return [];
    // Stopping a run takes the same right as starting one by hand; through the API, its RBAC
    // checked that (the runner role) before the signal was made.
    const permission = signal.via === "api" ? "write" : await github.getPermission({ owner: delivery.repository.owner, repo: delivery.repository.name }, signal.actor);
    if (!canRunByHand(permission)) {
      await changeRun(deps.store, run.id, (current) => ({ run: current, log: [entry(deps, "warn", `ignored a cancel from ${signal.actor}: cancelling needs write access`)] }));
      return [];
    }
    // The first request wins; the run stops at its next step boundary.
    const changed = await changeRun(deps.store, run.id, (current) =>
      current.cancelRequested || isFinishedRun(current)
        ? undefined
        : { run: { ...current, cancelRequested: { actor: signal.actor, at: signal.at } }, log: [entry(deps, "warn", `cancel requested by ${signal.actor} (${signal.via})`)], jobs: continuation(current) },
    );
    return changed ? [run.id] : [];
  }
  if (signal.type === "workflowRun") return applyWorkflowRun(delivery, signal, deps, continuation);
  // A task's status follows its issue and its alert, whether or not a run waits for them.
  if (concernsTasks(signal)) await applyTaskSignal(delivery, signal, github, deps);
  if (signal.type === "issueReopened" || signal.type === "alertReopened") return [];
  const refusals = new Map<string, Promise<string | undefined>>();
  const woken: string[] = [];
  for (const runId of await waitingRunIds(delivery, signal, deps)) {
    const changed = await changeRun(deps.store, runId, async (run) => {
      if (run.repository !== delivery.repository.fullName || run.status !== "running") return undefined;
      const log: LogEntry[] = [];
      const steps = await Promise.all(run.steps.map((record) => applyToRecord(run, record, signal, github, deps, log, refusals)));
      return log.length === 0 ? undefined : { run: { ...run, steps }, log, jobs: continuation(run) };
    });
    if (changed) woken.push(runId);
  }
  return woken;
}

function entry(deps: SignalDeps, level: LogEntry["level"], message: string, meta?: Record<string, unknown>): LogEntry {
  return { ts: deps.clock.now().toISOString(), level, message, ...(meta ? { meta } : {}) };
}

/** The runs a signal can concern, from the wait index. */
async function waitingRunIds(delivery: Delivery, signal: Exclude<Signal, { type: "cancel" | "workflowRun" | "issueReopened" | "alertReopened" }>, deps: SignalDeps): Promise<string[]> {
  const repository = delivery.repository.fullName;
  switch (signal.type) {
    case "approval":
      if (signal.runId) return [signal.runId];
      if (signal.issueNumber === undefined) return [];
      return deps.store.findWaitingRuns({ repository, event: "approval", targets: [`#${signal.issueNumber}`, "*"] });
    case "issueClosed":
      return deps.store.findWaitingRuns({ repository, event: "issueClosed", targets: [`${signal.repository}#${signal.number}`] });
    case "alertResolved":
      return deps.store.findWaitingRuns({ repository, event: "alertResolved", targets: [signal.fingerprint] });
    case "checkCompleted":
      return deps.store.findWaitingRuns({ repository, event: "checkCompleted", targets: [`${signal.name}@${signal.headSha}`] });
  }
}

async function applyToRecord(
  run: Run,
  record: StepRecord,
  signal: Signal,
  github: GitHubPort,
  deps: SignalDeps,
  log: LogEntry[],
  refusals: Map<string, Promise<string | undefined>>,
): Promise<StepRecord> {
  const w = record.waiting;
  if (record.status !== "waiting" || !w) return record;
  const now = deps.clock.now();
  const logger = (level: LogEntry["level"], message: string, meta?: Record<string, unknown>) => log.push(entry(deps, level, message, meta));
  if (signal.type === "approval" && w.kind === "approval") {
    if (signal.stepId && signal.stepId !== record.stepId) return record;
    if (signal.via === "comment" && !(await concernsIssue(run, signal.issueNumber, deps.store))) return record;
    // Asked once per signal and approver list, however often a conflict makes the change run again.
    const asked = `${record.stepId}#${record.attempt}`;
    if (!refusals.has(asked)) refusals.set(asked, voteRefusal(w, signal.actor, github));
    const refusal = await refusals.get(asked)!;
    if (refusal) {
      logger("warn", `step ${record.stepId}: ignored /${signal.decision} from ${signal.actor}: ${refusal}`, { stepId: record.stepId });
      return record;
    }
    const vote: ApprovalVote = { actor: signal.actor, decision: signal.decision, at: signal.at, via: signal.via, ...(signal.comment ? { comment: signal.comment.slice(0, 500) } : {}) };
    const votes = [...w.votes.filter((v) => v.actor.toLowerCase() !== signal.actor.toLowerCase()), vote];
    logger("info", `step ${record.stepId}: ${signal.decision === "approve" ? "approved" : "rejected"} by ${signal.actor} (${signal.via})`, { stepId: record.stepId, actor: signal.actor });
    const approvals = votes.filter((v) => v.decision === "approve");
    const outcome = signal.decision === "reject" ? "rejected" : approvals.length >= w.minApprovals ? "approved" : undefined;
    const updated: StepRecord = { ...record, waiting: { ...w, votes } };
    if (!outcome) return updated;
    const by = outcome === "rejected" ? signal.actor : approvals.map((v) => v.actor).join(", ");
    return completeWaiting(run, updated, outcome, now, logger, { by, votes });
  }
  if (w.kind === "event") {
    const matched =
      (signal.type === "issueClosed" && w.event === "issueClosed" && w.target.toLowerCase() === `${signal.repository}#${signal.number}`.toLowerCase()) ||
      (signal.type === "alertResolved" && w.event === "alertResolved" && w.target === signal.fingerprint) ||
      (signal.type === "checkCompleted" && w.event === "checkCompleted" && w.target === `${signal.name}@${signal.headSha}`);
    if (!matched) return record;
    return completeWaiting(run, record, "done", now, logger, { event: signal.type, ...(signal.type === "checkCompleted" ? { conclusion: signal.conclusion } : {}), ...(signal.type === "alertResolved" ? { state: signal.state } : {}) });
  }
  return record;
}

/** A comment counts on the run's pull request, the issue of its event, or an issue the run opened. */
async function concernsIssue(run: Run, issueNumber: number | undefined, store: Store): Promise<boolean> {
  if (issueNumber === undefined) return false;
  const origin = await store.getDelivery(run.deliveryId);
  return (origin !== undefined && voteIssues(origin, origin.triggers[run.triggerIndex]).includes(issueNumber)) || issuesOpenedInRepository(run).includes(issueNumber);
}

/** Why a vote does not count, if it does not: not an approver, or the author of the change. */
async function voteRefusal(w: Extract<StepRecord["waiting"], { kind: "approval" }>, actor: string, github: GitHubPort): Promise<string | undefined> {
  if (w.author && w.author.toLowerCase() === actor.toLowerCase()) return "the author of a pull request cannot approve their own change";
  const login = actor.toLowerCase();
  for (const approver of w.approvers) {
    const name = approver.replace(/^@/, "");
    if (!name.includes("/")) {
      if (name.toLowerCase() === login) return undefined;
      continue;
    }
    const [org, team] = name.split("/") as [string, string];
    if (await github.isTeamMember(org, team, actor)) return undefined;
  }
  return `not one of the approvers (${w.approvers.join(", ")})`;
}
