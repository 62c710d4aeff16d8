/**
 * A `workflow_run` signal and the runRemediation steps that wait for it: a run known by its id
 * ends the step when it completes (success, or failure for any other conclusion); a dispatch
 * whose run is not known yet takes the first run of its workflow, event workflow_dispatch, by a
 * bot, created at or after the dispatch, and says so in the log. One workflow run is bound to
 * one waiting step.
 */
import { dispatchTarget, runTarget } from "../actions/run-remediation.js";
import type { Delivery, Signal } from "../domain/events.js";
import type { Clock, Logger, NewJob, Store } from "../domain/ports.js";
import type { LogEntry, Run, StepRecord } from "../domain/run.js";
import { changeRun } from "./run-writer.js";
import { completeWaiting } from "./step-outcomes.js";

type WorkflowRunSignal = Extract<Signal, { type: "workflowRun" }>;

/** GitHub's clock and ours differ a little: a run created this long before the recorded dispatch time still counts. */
const CLOCK_SLACK_MS = 60_000;

/** Applies the signal; returns the ids of the runs it changed. */
export async function applyWorkflowRun(
  delivery: Delivery,
  signal: WorkflowRunSignal,
  deps: { store: Store; clock: Clock; log: Logger },
  continuation: (run: Run) => NewJob[],
): Promise<string[]> {
  const repository = delivery.repository.fullName;
  const byId = await deps.store.findWaitingRuns({ repository, event: "workflowRunCompleted", targets: [runTarget(repository, signal.runId)] });
  // A run already bound to a step is that step's alone; only an unbound one is matched to a dispatch.
  const candidates = byId.length > 0 ? byId : dispatchedBy(signal) ? await oldestDispatchFirst(deps.store, await deps.store.findWaitingRuns({ repository, event: "workflowRunCompleted", targets: [dispatchTarget(repository, signal.workflowPath)] })) : [];
  const woken: string[] = [];
  for (const runId of candidates) {
    let bound = false;
    const changed = await changeRun(deps.store, runId, (run) => {
      if (run.status !== "running") return undefined;
      const log: LogEntry[] = [];
      const logger = (level: LogEntry["level"], message: string, meta?: Record<string, unknown>) => log.push({ ts: deps.clock.now().toISOString(), level, message, ...(meta ? { meta } : {}) });
      let taken = false;
      const steps = run.steps.map((record) => {
        if (taken) return record;
        const next = applyToRecord(run, record, signal, repository, deps.clock.now(), logger);
        if (next !== record) taken = true;
        return next;
      });
      bound = taken;
      return taken ? { run: { ...run, steps }, log, jobs: continuation(run) } : undefined;
    });
    if (changed) woken.push(runId);
    // Matched by correlation: the workflow run is this step's; no other waiting dispatch gets it.
    if (bound && byId.length === 0) break;
  }
  return woken;
}

/** Runs waiting for an unnamed dispatch, the earliest dispatch first: the first workflow run to report is taken to be the first dispatched. */
async function oldestDispatchFirst(store: Store, runIds: string[]): Promise<string[]> {
  if (runIds.length < 2) return runIds;
  const since = new Map<string, string>();
  for (const id of runIds) {
    const run = await store.getRun(id);
    const times = (run?.steps ?? []).flatMap((s) => (s.status === "waiting" && s.waiting?.kind === "event" && s.waiting.dispatch ? [s.waiting.dispatch.since] : []));
    since.set(id, times.sort()[0] ?? "");
  }
  return [...runIds].sort((a, b) => since.get(a)!.localeCompare(since.get(b)!));
}

/** Whether the run could be one this app dispatched: a workflow_dispatch run started by a bot. */
function dispatchedBy(signal: WorkflowRunSignal): boolean {
  return signal.event === "workflow_dispatch" && signal.actor.endsWith("[bot]");
}

function applyToRecord(run: Run, record: StepRecord, signal: WorkflowRunSignal, repository: string, now: Date, log: (level: LogEntry["level"], message: string, meta?: Record<string, unknown>) => void): StepRecord {
  const w = record.waiting;
  if (record.status !== "waiting" || w?.kind !== "event" || w.event !== "workflowRunCompleted") return record;
  const known = { runId: signal.runId, runUrl: signal.url };
  let current = record;
  if (w.target !== runTarget(repository, signal.runId)) {
    if (!w.dispatch || w.target !== dispatchTarget(repository, signal.workflowPath) || !dispatchedBy(signal)) return record;
    // The app's own login, when the dispatch learnt it: another app's dispatch of the same workflow is not ours.
    if (w.dispatch.actor && w.dispatch.actor.toLowerCase() !== signal.actor.toLowerCase()) return record;
    if (new Date(signal.createdAt).getTime() < new Date(w.dispatch.since).getTime() - CLOCK_SLACK_MS) return record;
    log("info", `step ${record.stepId}: run ${signal.runId} of ${signal.workflowPath} is taken to be the one dispatched: matched by workflow, event workflow_dispatch, actor ${signal.actor} and creation time ${signal.createdAt} (dispatched at ${w.dispatch.since})`, {
      stepId: record.stepId,
      runId: signal.runId,
    });
    const { dispatch: _d, ...bound } = w;
    current = { ...record, outputs: { ...record.outputs, ...known }, waiting: { ...bound, target: runTarget(repository, signal.runId) } };
  }
  if (signal.status !== "completed") return current;
  const conclusion = signal.conclusion ?? "";
  const outcome = conclusion === "success" ? "success" : "failure";
  log(outcome === "success" ? "info" : "warn", `step ${record.stepId}: run ${signal.runId} completed: ${conclusion || "no conclusion"}`, { stepId: record.stepId, conclusion });
  return completeWaiting(run, current, outcome, now, log, { ...known, conclusion });
}
