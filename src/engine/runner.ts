import type { ActionHandler } from "../actions/index.js";
import { ActionError } from "../actions/index.js";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import { RateLimitError } from "../domain/errors.js";
import type { Clock, EffectDone, EffectLedger, GitHubPort, Logger, NewJob, Notifier, RunReporter, Store } from "../domain/ports.js";
import type { LogEntry, LogLevel, Run, StepRecord } from "../domain/run.js";
import type { ActionKind, Step } from "../domain/workflow.js";
import { parseDuration } from "../workflows/durations.js";
import { evaluateCondition, renderParametersAll } from "../workflows/evaluate.js";
import { routeOutcome, stepEdges } from "../workflows/graph.js";
import { expressionContext, stepOutputs } from "./context.js";
import { lineage, locate, type Ready } from "./replay.js";
import { endSteps, isFinishedRun } from "./run-writer.js";
import { isTransient, retryDelayMs } from "./transient.js";
import { dueAt, dueOutcome, startApproval, startWait } from "./waits.js";

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
  /** Aborted when the job running this lost its lease: stop at the next step boundary. */
  signal?: AbortSignal;
  /**
   * Whether the job running this still holds its lease. Asked before a replay and before an
   * action's side effect: a worker whose lease ran out (it stalled) and was taken over must not
   * go on with the run that the new holder executes.
   */
  holdsLease?: () => Promise<boolean>;
  /** This job ran before and never recorded an outcome (its process died): what it may not have reported is reported again. */
  retried?: boolean;
}

/** The job's lease went to another worker: this execution stops and leaves the run to it. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/** Where a run was left: finished, or waiting (and when it next needs waking, if ever). */
export interface RunProgress {
  run: Run;
  wakeAt?: Date;
}

/** Replays after a conflict before the job gives the turn back (and is retried). */
const MAX_REPLAYS = 20;

type Log = (level: LogLevel, message: string, meta?: Record<string, unknown>) => void;

/** Another writer committed the run since this one read it: reload and replay. */
export class RunConflictError extends Error {
  override readonly name = "RunConflictError";
}

/** The job that continues a run: one of a run's jobs at a time (its id is the concurrency key). */
export function runJob(run: Pick<Run, "id" | "installationId">, key: string, runAt?: Date): NewJob {
  return { type: "run", payload: { runId: run.id }, key, installationId: run.installationId, concurrencyKey: run.id, ...(runAt ? { runAt } : {}) };
}

/**
 * Executes a run as far as it can go. The run's state is committed before every side effect
 * (an action's "running") and where the execution stops (a wait, the end), with the log lines
 * and the jobs it schedules since the last commit, over the version that was read: when
 * another writer (a signal, a cancel) committed in between, the run is reloaded and replayed
 * from its records. A run interrupted at any point resumes here the same way: a step that was in
 * progress runs again with the same idempotency key, which finds the side effect it already
 * made instead of repeating it. A run that waits (a timer, an approval, an event, a retry, the
 * rate limit) is left `running` with its waiting steps recorded and a job at `wakeAt`; a
 * signal's commit enqueues the job that wakes it sooner.
 */
export async function executeRun(initial: Run, delivery: Delivery, deps: RunnerDeps): Promise<RunProgress> {
  let run = initial;
  for (let replay = 0; ; replay++) {
    const pendingEffects: EffectDone[] = [];
    try {
      return await executeOnce(run, delivery, deps, replay > 0, pendingEffects);
    } catch (err) {
      // Stopped between two commits (a lost lease, a stop, a store failure): what it made is on
      // GitHub all the same; recorded, a later execution finds it done instead of making it again.
      if (pendingEffects.length > 0) {
        await deps.store.recordEffects(pendingEffects.splice(0), deps.clock.now()).catch((recordErr: unknown) => deps.log.error({ runId: run.id, err: recordErr }, "could not record the side effects made before the run stopped"));
      }
      if (!(err instanceof RunConflictError) || replay >= MAX_REPLAYS) throw err;
      // The other writer may be the worker that took this job over: only the holder replays.
      if (deps.holdsLease && !(await deps.holdsLease())) throw new LeaseLostError(`run ${run.id}: the job's lease was lost; its new holder goes on with the run`);
      const reloaded = await deps.store.getRun(run.id);
      if (!reloaded) throw new Error(`run ${run.id} is no longer in the store`);
      deps.log.debug({ runId: run.id, version: reloaded.version }, "run changed under its writer; replaying");
      run = reloaded;
    }
  }
}

async function executeOnce(initial: Run, delivery: Delivery, deps: RunnerDeps, replaying: boolean, pendingEffects: EffectDone[]): Promise<RunProgress> {
  let run = initial;
  if (isFinishedRun(run)) {
    // The end was committed, but a process that died right after may not have shown it on the
    // check run: a job that comes back for a finished run shows it again (the update is idempotent).
    if (deps.retried) await deps.reporter.finished(run).catch((err: unknown) => deps.log.warn({ runId: run.id, error: errorMessage(err) }, "could not update the check run"));
    return { run };
  }
  const trigger = delivery.triggers[run.triggerIndex];
  if (!trigger) throw new Error(`run ${run.id}: delivery ${delivery.id} has no trigger ${run.triggerIndex}`);
  const pendingLog: LogEntry[] = [];
  const log: Log = (level, message, meta) => {
    pendingLog.push({ ts: deps.clock.now().toISOString(), level, message, ...(meta ? { meta } : {}) });
    deps.log[level === "debug" ? "debug" : level]({ runId: run.id, ...meta }, message);
  };
  // pendingEffects: side effects made since the last commit, recorded done with the next one.
  const ledger = (fresh: boolean, since: Date): EffectLedger => ({ fresh, maybeMade: !fresh, since, done: (effect) => void pendingEffects.push(effect) });
  /** Commits a state with the log lines and effects since the last commit; returns it with its new version. */
  const commit: Commit = async (state, jobs = []) => {
    const lines = pendingLog.splice(0);
    const effects = pendingEffects.splice(0);
    let result: Awaited<ReturnType<Store["commitRun"]>>;
    try {
      result = await deps.store.commitRun(state, { log: lines, jobs, effects });
    } catch (err) {
      // Not committed: the effects are still to be recorded (by the caller, on the way out).
      pendingEffects.unshift(...effects);
      throw err;
    }
    if (!result.committed) {
      // The effects were made all the same: recorded on the way out, the replay finds them done.
      pendingEffects.unshift(...effects);
      throw new RunConflictError(`run ${state.id} moved on to version ${result.storedVersion ?? "?"} since version ${state.version ?? 1} was read`);
    }
    return { ...state, version: result.version, log: [...state.log, ...lines] };
  };

  if (run.status === "pending") {
    const starting: Run = { ...run, status: "running", startedAt: deps.clock.now().toISOString() };
    // The check run first, then one commit of the start with its id: a crash in between finds
    // the check run again by its idempotency key.
    let checkRunId: number | undefined;
    try {
      // Claimed before it is made (a run may be started by several jobs over its life, and only
      // the claim tells them apart); recorded done with the first commit.
      checkRunId = await deps.reporter.started(starting, { ...ledger(false, new Date(run.createdAt)), maybeMade: false });
    } catch (err) {
      if (err instanceof RateLimitError) return reschedule(run, err, deps);
      log("warn", `could not create the check run: ${errorMessage(err)}`);
    }
    log("info", `run started: ${run.definition.name} ${run.definition.version} from ${run.workflowPath}@${run.workflowCommit.slice(0, 7)}`, { trigger: describeTrigger(trigger) });
    // Committed with what follows: the first action's "running", a wait, or the end.
    run = checkRunId === undefined ? starting : { ...starting, checkRunId };
  }
  let wasWaiting = run.steps.some((s) => s.status === "waiting" && !isPaced(s));
  let resuming = replaying;

  for (;;) {
    if (deps.signal?.aborted) throw new Error(`run ${run.id}: stopped at a step boundary: ${errorMessage(deps.signal.reason)}`);
    run = resolveDueWaits(run, deps.clock.now(), log);
    const position = locate(run);
    const ready = position.ready[0];
    // Cancellation is honoured at step boundaries: a step cut off in flight finishes first.
    if (run.cancelRequested && !ready?.resume) {
      return { run: await finish(run, "cancelled", `run cancelled by ${run.cancelRequested.actor} at a step boundary`, deps, log, commit) };
    }
    if (ready) {
      if (wasWaiting) {
        wasWaiting = false;
        await deps.reporter.progress(run).catch((err: unknown) => log("warn", `could not update the check run: ${errorMessage(err)}`));
      }
      // A step's outcome is committed with the next commit: the next action's "running" (before
      // its side effect), a wait, or the end. Between two commits nothing leaves the process, so a
      // crash there only repeats the store-only work since the last one.
      run = await executeStep(run, ready, trigger, delivery, deps, log, commit, resuming, ledger);
      resuming = false;
      continue;
    }
    if (position.waiting.length > 0) {
      const times = position.waiting.map(dueAt).filter((t): t is string => t !== undefined).sort();
      const wakeAt = times[0] ? new Date(times[0]) : undefined;
      // The wait is committed before the check run shows it, so the vote or event that someone
      // sends on seeing it finds the run waiting; the timer's job commits with it: a durable
      // timer that survives restarts.
      run = await commit(run, wakeAt ? [runJob(run, `run:${run.id}:wake:${wakeAt.toISOString()}`, wakeAt)] : []);
      // Waiting for people or events shows on the check run; waiting for the rate limit does not.
      if (position.waiting.some((s) => !isPaced(s))) {
        await deps.reporter.progress(run).catch((err: unknown) => deps.log.warn({ runId: run.id, error: errorMessage(err) }, "could not update the check run"));
      }
      return { run, ...(wakeAt ? { wakeAt } : {}) };
    }
    const failed = position.failed;
    const reason = failed.length > 0 ? `step ${failed.map((f) => `"${f.stepId}"`).join(", ")} failed: ${failed[0]!.error ?? "unknown error"}` : undefined;
    return { run: await finish(run, reason ? "failed" : "succeeded", reason ? `run failed: ${reason}` : "run succeeded", deps, log, commit) };
  }
}

type Commit = (state: Run, jobs?: NewJob[]) => Promise<Run>;

/** Not started because GitHub's rate limit says not now: the run comes back when it allows. */
async function reschedule(run: Run, err: RateLimitError, deps: RunnerDeps): Promise<RunProgress> {
  const wakeAt = err.retryAt;
  deps.log.info({ runId: run.id, retryAt: wakeAt.toISOString() }, `run waits for GitHub's rate limit: ${err.message}`);
  await deps.store.enqueue(runJob(run, `run:${run.id}:wake:${wakeAt.toISOString()}`, wakeAt));
  return { run, wakeAt };
}

function isPaced(record: StepRecord): boolean {
  return record.status === "waiting" && record.waiting?.kind === "retry" && record.waiting.paced === true;
}

async function finish(run: Run, status: "succeeded" | "failed" | "cancelled", message: string, deps: RunnerDeps, log: Log, commit: Commit): Promise<Run> {
  log(status === "failed" ? "error" : "info", message);
  const now = deps.clock.now().toISOString();
  const done = await commit({ ...run, steps: endSteps(run.steps, now), status, finishedAt: now, currentStepId: undefined });
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
      if (record.waiting?.kind === "retry" && record.waiting.paced) log("debug", `step ${record.stepId}: going on after the rate limit`, { stepId: record.stepId });
      else log("info", `step ${record.stepId}: trying again (try ${record.tries ?? 2})`, { stepId: record.stepId });
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

async function executeStep(
  run: Run,
  ready: Ready,
  trigger: TriggerEvent,
  delivery: Delivery,
  deps: RunnerDeps,
  log: Log,
  commit: Commit,
  replaying: boolean,
  ledger: (fresh: boolean, since: Date) => EffectLedger,
): Promise<Run> {
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
    log("info", `step ${step.id} started${step.name ? ` (${step.name})` : ""}`, { stepId: step.id, execution: base.attempt });
    run = put(base);
    // An action's "running" is committed before its side effect (with whatever the run did
    // since its last commit): a crash from here on resumes this very step. Other steps have no
    // effect outside the store: their outcome is committed with the next commit.
    if (step.type === "action") run = await commit(run);
  } else if (!ready.resume.error && !replaying) {
    // A retry carries its last error; a record without one was cut off by a crash.
    log("warn", `step ${step.id} resumed after an interruption`, { stepId: step.id });
  }
  if (step.type === "action" && deps.holdsLease && !(await deps.holdsLease())) {
    throw new LeaseLostError(`run ${run.id}: the job's lease was lost before step ${step.id}; its new holder goes on with the run`);
  }

  let parameters: Record<string, unknown> | undefined;
  try {
    const context = expressionContext(run, delivery, trigger);
    switch (step.type) {
      case "action": {
        // What each parameter became is kept even when one fails to render: the failed step shows it.
        const { rendered, error } = renderParametersAll(step.action.parameters ?? {}, context);
        parameters = rendered;
        if (error) throw error;
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
          lineage: lineage(run, step.id, base.attempt),
          idempotencyKey: `${run.id}:${step.id}:${base.attempt}`,
          github: deps.github,
          notifier: deps.notifier,
          store: deps.store,
          clock: deps.clock,
          // Fresh when this attempt's "running" was committed just above: nothing was made under its key yet.
          effects: ledger(!ready.resume, new Date(base.startedAt ?? deps.clock.now().toISOString())),
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
        const start = step.type === "approval" ? startApproval(step, trigger, deps.clock.now(), voteIssues(delivery, trigger)) : startWait(step, run, trigger, deps.clock.now());
        log("info", `step ${step.id}: ${start.message}`, { stepId: step.id });
        if ("waiting" in start) return put({ ...clean(base), status: "waiting", waiting: start.waiting });
        return put(completeWaiting(run, { ...clean(base), status: "waiting" }, start.outcome, deps.clock.now(), log));
      }
    }
  } catch (err) {
    return put(failure(step, index, steps, base, parameters, err, deps.clock.now(), log));
  }
}

/** The issues whose comments vote on an approval: the pull request, the manual run's issue, the event's issue (and the issues the run opens: issuesOpenedInRepository). */
export function voteIssues(delivery: Pick<Delivery, "payload">, trigger: TriggerEvent | undefined): number[] {
  const issues: number[] = [];
  if (trigger?.kind === "pullRequest") issues.push(trigger.pullRequest.number);
  if (trigger?.kind === "manual" && trigger.issueNumber !== undefined) issues.push(trigger.issueNumber);
  const issue = (delivery.payload as { issue?: { number?: unknown } } | undefined)?.issue?.number;
  if (typeof issue === "number") issues.push(issue);
  return [...new Set(issues)];
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
  if (err instanceof RateLimitError) {
    // Not a failure: GitHub's limit for this installation says "not now". The step goes on at
    // the time it allows, without using one of its tries, and no worker slot waits for it.
    const until = err.retryAt.toISOString();
    log("info", `step ${step.id}: ${message}; going on at ${until}`, { stepId: step.id });
    return { ...clean(base), ...(parameters ? { parameters } : {}), status: "waiting", error: message, waiting: { kind: "retry", until, lastError: message, paced: true } };
  }
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
