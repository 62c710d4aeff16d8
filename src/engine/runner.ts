/**
 * The runner: executes a run as far as it can go, committing before every side effect and where
 * it stops, replaying from the store after a conflict, and finishing it (succeeded, failed,
 * cancelled) on its check run.
 */
import { performance } from "node:perf_hooks";
import { workflowOrigin } from "../domain/stored-workflow.js";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import { RateLimitError } from "../domain/errors.js";
import { stepKind } from "../domain/metrics-port.js";
import type { EffectDone, EffectLedger, NewJob, Store } from "../domain/ports.js";
import type { LogEntry, Run, StepRecord } from "../domain/run.js";
import { definitionFor } from "../triggers/registry.js";
import { locate } from "./replay.js";
import { endSteps, isFinishedRun } from "./run-writer.js";
import { executeStep } from "./execute-step.js";
import { LeaseLostError, RunConflictError, type Commit, type RunnerDeps, type RunProgress } from "./runner-deps.js";
import { errorMessage, resolveDueWaits, type Log } from "./step-outcomes.js";
import { dueAt } from "./waits.js";

/** Replays after a conflict before the job gives the turn back (and is retried). */
const MAX_REPLAYS = 20;

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
      const progress = await executeOnce(run, delivery, deps, replay > 0, pendingEffects);
      // Counted once the start is committed (a start rescheduled for the rate limit is not one).
      if (initial.status === "pending" && progress.run.status !== "pending") deps.metrics?.runStarted();
      return progress;
    } catch (err) {
      // Stopped between two commits (a lost lease, a stop, a store failure): what it made is on
      // GitHub all the same; recorded, a later execution finds it done instead of making it again.
      if (pendingEffects.length > 0) {
        await deps.store.recordEffects(pendingEffects.splice(0), deps.clock.now()).catch((recordErr: unknown) => deps.log.error({ runId: run.id, deliveryId: run.deliveryId, installationId: run.installationId, err: recordErr }, "could not record the side effects made before the run stopped"));
      }
      if (!(err instanceof RunConflictError) || replay >= MAX_REPLAYS) throw err;
      // The other writer may be the worker that took this job over: only the holder replays.
      if (deps.holdsLease && !(await deps.holdsLease())) throw new LeaseLostError(`run ${run.id}: the job's lease was lost; its new holder goes on with the run`);
      const reloaded = await deps.store.getRun(run.id);
      if (!reloaded) throw new Error(`run ${run.id} is no longer in the store`);
      deps.log.debug({ runId: run.id, deliveryId: run.deliveryId, installationId: run.installationId, version: reloaded.version }, "run changed under its writer; replaying");
      run = reloaded;
    }
  }
}

async function executeOnce(initial: Run, delivery: Delivery, deps: RunnerDeps, replaying: boolean, pendingEffects: EffectDone[]): Promise<RunProgress> {
  let run = initial;
  if (isFinishedRun(run)) {
    // The end was committed, but a process that died right after may not have shown it on the
    // check run: a job that comes back for a finished run shows it again (the update is idempotent).
    if (deps.retried) await deps.reporter.finished(run).catch((err: unknown) => deps.log.warn({ runId: run.id, deliveryId: run.deliveryId, installationId: run.installationId, error: errorMessage(err) }, "could not update the check run"));
    return { run };
  }
  const trigger = delivery.triggers[run.triggerIndex];
  if (!trigger) throw new Error(`run ${run.id}: delivery ${delivery.id} has no trigger ${run.triggerIndex}`);
  const pendingLog: LogEntry[] = [];
  const log: Log = (level, message, meta) => {
    pendingLog.push({ ts: deps.clock.now().toISOString(), level, message, ...(meta ? { meta } : {}) });
    deps.log[level === "debug" ? "debug" : level]({ runId: run.id, deliveryId: run.deliveryId, installationId: run.installationId, ...meta }, message);
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
    log("info", `run started: ${run.definition.name} ${run.definition.version} from ${workflowOrigin(run)}`, { trigger: describeTrigger(trigger) });
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
      const started = performance.now();
      run = await executeStep(run, ready, trigger, delivery, deps, log, commit, resuming, ledger);
      // The step's record is the last one executeStep put: its kind and the status it left.
      const record = run.steps[run.steps.length - 1];
      if (deps.metrics && record) deps.metrics.stepFinished(stepKind(record), record.status, (performance.now() - started) / 1000);
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
        await deps.reporter.progress(run).catch((err: unknown) => deps.log.warn({ runId: run.id, deliveryId: run.deliveryId, installationId: run.installationId, error: errorMessage(err) }, "could not update the check run"));
      }
      return { run, ...(wakeAt ? { wakeAt } : {}) };
    }
    const failed = position.failed;
    const reason = failed.length > 0 ? `step ${failed.map((f) => `"${f.stepId}"`).join(", ")} failed: ${failed[0]!.error ?? "unknown error"}` : undefined;
    return { run: await finish(run, reason ? "failed" : "succeeded", reason ? `run failed: ${reason}` : "run succeeded", deps, log, commit) };
  }
}

/** Not started because GitHub's rate limit says not now: the run comes back when it allows. */
async function reschedule(run: Run, err: RateLimitError, deps: RunnerDeps): Promise<RunProgress> {
  const wakeAt = err.retryAt;
  deps.log.info({ runId: run.id, deliveryId: run.deliveryId, installationId: run.installationId, retryAt: wakeAt.toISOString() }, `run waits for GitHub's rate limit: ${err.message}`);
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
  deps.metrics?.runFinished(status);
  await deps.reporter.finished(done).catch((err: unknown) => deps.log.warn({ runId: run.id, deliveryId: run.deliveryId, installationId: run.installationId, error: errorMessage(err) }, "could not update the check run"));
  return done;
}

function describeTrigger(trigger: TriggerEvent): Record<string, unknown> {
  return definitionFor(trigger)?.describe(trigger) ?? { kind: trigger.kind };
}

