/**
 * How a step ends: a waiting step completed with an outcome and routed on, the waits that fell
 * due, and a failed try turned into a retry (or a paced wait on GitHub's rate limit) or a
 * failed step.
 */
import { RateLimitError } from "../domain/errors.js";
import type { LogLevel, Run, StepRecord } from "../domain/run.js";
import type { Step } from "../domain/workflow.js";
import { parseDuration } from "../workflows/durations.js";
import { routeOutcome, stepEdges } from "../workflows/graph.js";
import { isTransient, retryDelayMs } from "./transient.js";
import { dueOutcome } from "./waits.js";

/** A run's log, as the runner writes it. */
export type Log = (level: LogLevel, message: string, meta?: Record<string, unknown>) => void;

/** Timers that fell due, timeouts that passed and retries whose wait is over. */
export function resolveDueWaits(run: Run, now: Date, log: Log): Run {
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

/** A record without the leftovers of an earlier try. */
export function clean(record: StepRecord): StepRecord {
  const { error: _e, waiting: _w, ...rest } = record;
  return rest;
}

/** A failed try: a retry when the step allows one and the failure is transient, else a failed step. */
export function failure(step: Step, index: number, steps: readonly Step[], base: StepRecord, parameters: Record<string, unknown> | undefined, err: unknown, now: Date, log: Log): StepRecord {
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

/** A failure's message, without anything an HTTP client attached (headers, tokens). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    return status ? `${err.message} (HTTP ${status})` : err.message;
  }
  return String(err);
}
