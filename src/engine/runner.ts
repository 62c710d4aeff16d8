import type { ActionHandler } from "../actions/index.js";
import { ActionError } from "../actions/index.js";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import type { Clock, GitHubPort, Logger, Notifier, RunReporter, Store } from "../domain/ports.js";
import type { LogEntry, LogLevel, Run, StepRecord } from "../domain/run.js";
import type { ActionKind, Step } from "../domain/workflow.js";
import { parseDuration } from "../workflows/durations.js";
import { evaluateCondition, renderParameters } from "../workflows/evaluate.js";
import { stepEdges } from "../workflows/graph.js";
import { expressionContext, stepOutputs } from "./context.js";
import { locate, type Ready } from "./replay.js";
import { isTransient, retryDelayMs } from "./transient.js";
import { dueAt, dueOutcome, routeOutcome, startApproval, startWait } from "./waits.js";

/** Bound on step executions in one run, whatever the workflow says: a last line of defence. */
export const MAX_STEP_EXECUTIONS = 1000;

export interface RunnerDeps {
  store: Store;
  clock: Clock;
  notifier: Notifier;
  github: GitHubPort;
  actions: Partial<Record<ActionKind, ActionHandler>>;
  reporter: RunReporter;
  log: Logger;
}

/** Where a run was left: finished, or waiting (and when it next needs waking, if ever). */
export interface RunProgress {
  run: Run;
  wakeAt?: Date;
}

type Log = (level: LogLevel, message: string, meta?: Record<string, unknown>) => void;

/**
 * Executes a run as far as it can go. Every step transition is written to the store before the
 * next begins. A run interrupted at any point resumes here: its position is replayed from the
 * step records, and a step that was in progress runs again with the same idempotency key,
 * which finds the side effect it already made instead of repeating it. A run that waits (a
 * timer, an approval, an event, a retry) is left `running` with its waiting steps recorded,
 * and the caller wakes it at `wakeAt` or when a signal arrives.
 */
export async function executeRun(initial: Run, delivery: Delivery, deps: RunnerDeps): Promise<RunProgress> {
  let run = initial;
  if (isFinished(run)) return { run };
  const trigger = delivery.triggers[run.triggerIndex];
  if (!trigger) throw new Error(`run ${run.id}: delivery ${delivery.id} has no trigger ${run.triggerIndex}`);
  const pendingLog: LogEntry[] = [];
  const log: Log = (level, message, meta) => {
    pendingLog.push({ ts: deps.clock.now().toISOString(), level, message, ...(meta ? { meta } : {}) });
    deps.log[level === "debug" ? "debug" : level]({ runId: run.id, ...meta }, message);
  };
  const save = async (state: Run = run) => {
    await deps.store.saveRun(state);
    if (pendingLog.length > 0) await deps.store.appendLog(state.id, pendingLog.splice(0));
  };

  if (run.status === "pending") {
    run = { ...run, status: "running", startedAt: deps.clock.now().toISOString() };
    log("info", `run started: ${run.definition.name} ${run.definition.version} from ${run.workflowPath}@${run.workflowCommit.slice(0, 7)}`, { trigger: describeTrigger(trigger) });
    await save();
    const checkRunId = await deps.reporter.started(run).catch((err: unknown) => {
      log("warn", `could not create the check run: ${errorMessage(err)}`);
      return undefined;
    });
    if (checkRunId !== undefined) {
      run = { ...run, checkRunId };
      await save();
    }
  }
  let wasWaiting = run.steps.some((s) => s.status === "waiting");

  for (;;) {
    // Cancellation is honoured at step boundaries; it is stored apart from the run's state.
    const cancel = (await deps.store.getRun(run.id))?.cancelRequested;
    if (cancel) return { run: await finish(run, "cancelled", `run cancelled by ${cancel.actor} at a step boundary`, deps, log, save) };

    run = resolveDueWaits(run, deps.clock.now(), log);
    const position = locate(run);
    const ready = position.ready[0];
    if (ready) {
      if (wasWaiting) {
        wasWaiting = false;
        await deps.reporter.progress(run).catch((err: unknown) => log("warn", `could not update the check run: ${errorMessage(err)}`));
      }
      run = await executeStep(run, ready, trigger, delivery, deps, log);
      await save();
      continue;
    }
    if (position.waiting.length > 0) {
      // The reporter reads the in-memory run; one save afterwards stores it and any warning.
      await deps.reporter.progress(run).catch((err: unknown) => log("warn", `could not update the check run: ${errorMessage(err)}`));
      await save();
      const times = position.waiting.map(dueAt).filter((t): t is string => t !== undefined).sort();
      return { run, ...(times[0] ? { wakeAt: new Date(times[0]) } : {}) };
    }
    const failed = position.failed;
    const reason = failed.length > 0 ? `step ${failed.map((f) => `"${f.stepId}"`).join(", ")} failed: ${failed[0]!.error ?? "unknown error"}` : undefined;
    return { run: await finish(run, reason ? "failed" : "succeeded", reason ? `run failed: ${reason}` : "run succeeded", deps, log, save) };
  }
}

function isFinished(run: Run): boolean {
  return run.status === "succeeded" || run.status === "failed" || run.status === "cancelled";
}

async function finish(run: Run, status: "succeeded" | "failed" | "cancelled", message: string, deps: RunnerDeps, log: Log, save: (state: Run) => Promise<void>): Promise<Run> {
  log(status === "failed" ? "error" : "info", message);
  const now = deps.clock.now().toISOString();
  // Steps still waiting or interrupted end with the run.
  const steps = run.steps.map((s) => (s.status === "waiting" || s.status === "running" || s.status === "pending" ? { ...s, status: "cancelled" as const, finishedAt: now } : s));
  let done: Run = { ...run, steps, status, finishedAt: now, currentStepId: undefined };
  await save(done);
  done = (await deps.store.getRun(run.id)) ?? done;
  await deps.reporter.finished(done).catch((err: unknown) => deps.log.warn({ runId: run.id, error: errorMessage(err) }, "could not update the check run"));
  return done;
}

/** Timers that fell due, timeouts that passed and retries whose wait is over. */
function resolveDueWaits(run: Run, now: Date, log: Log): Run {
  let changed = false;
  const steps = run.steps.map((record) => {
    const outcome = record.status === "waiting" ? dueOutcome(record, now) : undefined;
    if (!outcome) return record;
    changed = true;
    if (outcome === "retry") {
      log("info", `step ${record.stepId}: trying again (try ${(record.tries ?? 1) + 1})`, { stepId: record.stepId });
      const { waiting: _w, ...rest } = record;
      return { ...rest, status: "running" as const };
    }
    return completeWaiting(run, record, outcome, now, log);
  });
  return changed ? { ...run, steps } : run;
}

/** Ends a waiting approval or wait with an outcome, routed through the step's `next`. */
export function completeWaiting(run: Run, record: StepRecord, outcome: string, now: Date, log: Log, outputs: Record<string, unknown> = {}): StepRecord {
  const index = run.definition.steps.findIndex((s) => s.id === record.stepId);
  const route = routeOutcome(run.definition.steps, index, outcome);
  const { waiting: _w, ...rest } = record;
  const base = { ...rest, outcome, finishedAt: now.toISOString(), outputs: { ...record.outputs, ...outputs, outcome } };
  if ("error" in route) {
    log("error", `step ${record.stepId}: ${outcome}; ${route.error}, and no step is set to follow it`, { stepId: record.stepId, outcome });
    return { ...base, status: "failed", error: `${outcome}: ${route.error}` };
  }
  log("info", `step ${record.stepId}: ${outcome}`, { stepId: record.stepId, outcome, next: route.next });
  return { ...base, status: "succeeded", next: route.next };
}

async function executeStep(run: Run, ready: Ready, trigger: TriggerEvent, delivery: Delivery, deps: RunnerDeps, log: Log): Promise<Run> {
  const steps = run.definition.steps;
  const index = steps.findIndex((s) => s.id === ready.stepId);
  const step = steps[index]!;
  const now = () => deps.clock.now().toISOString();
  const base: StepRecord = ready.resume ?? {
    stepId: step.id,
    ...(step.name ? { name: step.name } : {}),
    type: step.type,
    ...(step.type === "action" ? { kind: step.action.kind } : {}),
    status: "running",
    attempt: ready.execution,
    tries: 1,
    startedAt: now(),
  };
  const others = run.steps.filter((s) => s !== ready.resume);
  const put = (record: StepRecord): Run => ({ ...run, currentStepId: step.id, steps: [...others, record] });

  const refusal =
    run.steps.length >= MAX_STEP_EXECUTIONS
      ? `the run reached ${MAX_STEP_EXECUTIONS} step executions`
      : step.maxRuns !== undefined && ready.execution > step.maxRuns
        ? `step "${step.id}" reached its maxRuns (${step.maxRuns})`
        : undefined;
  if (refusal) {
    log("error", refusal, { stepId: step.id });
    return put({ ...base, status: "failed", error: refusal, finishedAt: now() });
  }

  if (!ready.resume) {
    // "running" is stored before any side effect: a crash from here on resumes this very step.
    log("info", `step ${step.id} started${step.name ? ` (${step.name})` : ""}`, { stepId: step.id, execution: base.attempt });
    run = put(base);
    await deps.store.saveRun(run);
  } else if (!ready.resume.error) {
    // A retry carries its last error; a record without one was cut off by a crash.
    log("warn", `step ${step.id} resumed after an interruption`, { stepId: step.id });
  }

  let parameters: Record<string, unknown> | undefined;
  try {
    const context = expressionContext(run, delivery, trigger);
    switch (step.type) {
      case "action": {
        parameters = renderParameters(step.action.parameters ?? {}, context);
        const handler = deps.actions[step.action.kind];
        if (!handler) throw new ActionError(`action kind "${step.action.kind}" is not supported yet`);
        const outputs = await handler({
          run,
          step,
          parameters,
          workflow: run.definition,
          delivery,
          trigger,
          repository: delivery.repository,
          stepOutputs: stepOutputs(run),
          idempotencyKey: `${run.id}:${step.id}:${base.attempt}`,
          github: deps.github,
          notifier: deps.notifier,
          store: deps.store,
          clock: deps.clock,
          log: (level, message, meta) => log(level, message, { stepId: step.id, ...meta }),
        });
        log("info", `step ${step.id} succeeded`, { stepId: step.id });
        return put({ ...clean(base), status: "succeeded", parameters, outputs, next: stepEdges(steps, index), finishedAt: now() });
      }
      case "decision": {
        for (const [i, c] of step.next.when.entries()) {
          if (evaluateCondition(c.if, context)) {
            log("info", `decision ${step.id}: case ${i + 1} is true`, { stepId: step.id, if: c.if, next: c.then });
            return put({ ...clean(base), status: "succeeded", outcome: `case ${i + 1}`, outputs: { case: i + 1 }, next: c.then, finishedAt: now() });
          }
        }
        log("info", `decision ${step.id}: no case is true${step.next.else ? "; taking else" : ""}`, { stepId: step.id });
        return put({ ...clean(base), status: "succeeded", outcome: "else", outputs: { case: 0 }, next: step.next.else ?? [], finishedAt: now() });
      }
      case "approval":
      case "wait": {
        const start = step.type === "approval" ? startApproval(step, trigger, deps.clock.now()) : startWait(step, run, trigger, deps.clock.now());
        log("info", `step ${step.id}: ${start.message}`, { stepId: step.id });
        if ("waiting" in start) return put({ ...clean(base), status: "waiting", waiting: start.waiting });
        return put(completeWaiting(run, { ...clean(base), status: "waiting" }, start.outcome, deps.clock.now(), log));
      }
    }
  } catch (err) {
    return put(failure(step, index, steps, base, parameters, err, deps.clock.now(), log));
  }
}

/** A record without the leftovers of an earlier try. */
function clean(record: StepRecord): StepRecord {
  const { error: _e, waiting: _w, ...rest } = record;
  return rest;
}

/** A failed try: a retry when the step allows one and the failure is transient, else a failed step. */
function failure(step: Step, index: number, steps: readonly Step[], base: StepRecord, parameters: Record<string, unknown> | undefined, err: unknown, now: Date, log: Log): StepRecord {
  const message = errorMessage(err);
  const tries = base.tries ?? 1;
  const maxAttempts = step.retry?.maxAttempts ?? 1;
  const withParameters = parameters ? { parameters } : {};
  if (isTransient(err) && tries < maxAttempts) {
    const delay = retryDelayMs(parseDuration(step.retry?.backoff ?? "10s")!, tries);
    const until = new Date(now.getTime() + delay).toISOString();
    log("warn", `step ${step.id} failed (try ${tries} of ${maxAttempts}): ${message}; trying again at ${until}`, { stepId: step.id });
    return { ...clean(base), ...withParameters, status: "waiting", tries: tries + 1, error: message, waiting: { kind: "retry", until, lastError: message } };
  }
  const outOf = maxAttempts > 1 ? ` after ${tries} ${tries === 1 ? "try" : "tries"}` : "";
  log("error", `step ${step.id} failed${outOf}: ${message}`, { stepId: step.id });
  const next = step.continueOnError ? { next: step.type === "action" ? stepEdges(steps, index) : [] } : {};
  if (step.continueOnError) log("warn", `step ${step.id} may fail (continueOnError); its branch goes on`, { stepId: step.id });
  return { ...clean(base), ...withParameters, status: "failed", error: message, finishedAt: now.toISOString(), ...next };
}

function describeTrigger(trigger: TriggerEvent): Record<string, unknown> {
  switch (trigger.kind) {
    case "pullRequest":
      return { kind: "pullRequest", action: trigger.action, number: trigger.pullRequest.number };
    case "finding":
      return { kind: "finding", action: trigger.action, source: trigger.finding.source, severity: trigger.finding.severity, number: trigger.finding.number };
    case "manual":
      return { kind: "manual", by: trigger.actor };
    case "schedule":
      return { kind: "schedule", scheduledFor: trigger.scheduledFor };
    default:
      return { kind: trigger.kind };
  }
}

/** A failure's message, without anything an HTTP client attached (headers, tokens). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    return status ? `${err.message} (HTTP ${status})` : err.message;
  }
  return String(err);
}
