import type { ActionHandler } from "../actions/index.js";
import { ActionError } from "../actions/index.js";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import type { Clock, GitHubPort, Logger, Notifier, RunReporter, Store } from "../domain/ports.js";
import type { LogEntry, LogLevel, Run, StepRecord } from "../domain/run.js";
import type { ActionKind, Step } from "../domain/workflow.js";
import { stepEdges } from "../workflows/graph.js";
import { evaluateCondition, renderParameters } from "../workflows/evaluate.js";
import { expressionContext, stepOutputs } from "./context.js";

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

/** Where a run stands, worked out by replaying its step records against the workflow. */
type Position =
  | { state: "next"; stepId: string; resume?: StepRecord }
  | { state: "done" }
  | { state: "failed"; reason: string };

/**
 * Executes a run until it ends. Every step transition is written to the store before the next
 * begins, so a run interrupted at any point resumes here: the position is replayed from the
 * step records, and a step that was in progress runs again with the same idempotency key,
 * which finds the side effect it already made instead of repeating it.
 */
export async function executeRun(initial: Run, delivery: Delivery, deps: RunnerDeps): Promise<Run> {
  let run = initial;
  if (run.status === "succeeded" || run.status === "failed" || run.status === "cancelled") return run;
  const trigger = delivery.triggers[run.triggerIndex];
  if (!trigger) throw new Error(`run ${run.id}: delivery ${delivery.id} has no trigger ${run.triggerIndex}`);
  const pendingLog: LogEntry[] = [];
  const log = (level: LogLevel, message: string, meta?: Record<string, unknown>) => {
    pendingLog.push({ ts: deps.clock.now().toISOString(), level, message, ...(meta ? { meta } : {}) });
    deps.log[level === "warn" ? "warn" : level === "error" ? "error" : "info"]({ runId: run.id, ...meta }, message);
  };
  const save = async () => {
    await deps.store.saveRun(run);
    if (pendingLog.length > 0) await deps.store.appendLog(run.id, pendingLog.splice(0));
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

  for (;;) {
    const position = locate(run);
    if (position.state !== "next") {
      const failed = position.state === "failed";
      if (failed) log("error", `run failed: ${position.reason}`);
      else log("info", "run succeeded");
      run = { ...run, status: failed ? "failed" : "succeeded", finishedAt: deps.clock.now().toISOString(), currentStepId: undefined };
      await save();
      run = (await deps.store.getRun(run.id)) ?? run;
      await deps.reporter.finished(run).catch((err: unknown) => deps.log.warn({ runId: run.id, error: errorMessage(err) }, "could not update the check run"));
      return run;
    }
    run = await executeStep(run, position.stepId, position.resume, trigger, delivery, deps, log);
    await save();
  }
}

/** Replays the step records: the records are in execution order, and so is the work list. */
function locate(run: Run): Position {
  const steps = run.definition.steps;
  const queue = [steps[0]!.id];
  let index = 0;
  while (queue.length > 0) {
    const stepId = queue.shift()!;
    const record = run.steps[index];
    if (!record) return { state: "next", stepId };
    if (record.stepId !== stepId) return { state: "failed", reason: `the run's records do not match its workflow (expected step "${stepId}", found "${record.stepId}")` };
    index++;
    if (record.status === "running" || record.status === "pending") return { state: "next", stepId, resume: record };
    const step = steps.find((s) => s.id === stepId)!;
    if (record.status === "failed" && !step.continueOnError) return { state: "failed", reason: `step "${stepId}" failed: ${record.error ?? "unknown error"}` };
    queue.push(...(record.next ?? []));
  }
  return { state: "done" };
}

async function executeStep(
  run: Run,
  stepId: string,
  resume: StepRecord | undefined,
  trigger: TriggerEvent,
  delivery: Delivery,
  deps: RunnerDeps,
  log: (level: LogLevel, message: string, meta?: Record<string, unknown>) => void,
): Promise<Run> {
  const steps = run.definition.steps;
  const index = steps.findIndex((s) => s.id === stepId);
  const step = steps[index]!;
  const executions = run.steps.filter((s) => s.stepId === stepId).length + (resume ? 0 : 1);
  const base: StepRecord = resume ?? {
    stepId,
    name: step.name,
    type: step.type,
    ...(step.type === "action" ? { kind: step.action.kind } : {}),
    status: "running",
    attempt: executions,
    startedAt: deps.clock.now().toISOString(),
  };
  const records = resume ? run.steps.slice(0, -1) : run.steps;

  const refusal =
    run.steps.length >= MAX_STEP_EXECUTIONS
      ? `the run reached ${MAX_STEP_EXECUTIONS} step executions`
      : step.maxRuns !== undefined && executions > step.maxRuns
        ? `step "${stepId}" reached its maxRuns (${step.maxRuns})`
        : undefined;
  if (refusal) {
    log("error", refusal, { stepId });
    return { ...run, currentStepId: stepId, steps: [...records, { ...base, status: "failed", error: refusal, finishedAt: deps.clock.now().toISOString() }] };
  }

  if (!resume) {
    // Persist "running" before any side effect: a crash from here on resumes this very step.
    log("info", `step ${stepId} started${step.name ? ` (${step.name})` : ""}`, { stepId, attempt: base.attempt });
    run = { ...run, currentStepId: stepId, steps: [...records, base] };
    await deps.store.saveRun(run);
  } else {
    log("warn", `step ${stepId} resumed after an interruption`, { stepId, attempt: base.attempt });
  }

  const finish = (patch: Partial<StepRecord>): Run => ({
    ...run,
    currentStepId: stepId,
    steps: [...records, { ...base, ...patch, finishedAt: deps.clock.now().toISOString() }],
  });

  let parameters: Record<string, unknown> | undefined;
  try {
    const context = expressionContext(run, delivery, trigger);
    if (step.type === "action") parameters = renderParameters(step.action.parameters ?? {}, context);
    const outcome = await perform(step, index, run, trigger, delivery, context, parameters ?? {}, deps, log, `${run.id}:${stepId}:${base.attempt}`);
    log("info", `step ${stepId} succeeded`, { stepId, next: outcome.next });
    return finish({ status: "succeeded", ...(parameters ? { parameters } : {}), ...outcome });
  } catch (err) {
    const message = errorMessage(err);
    log("error", `step ${stepId} failed: ${message}`, { stepId });
    const next = step.continueOnError ? stepEdgesFor(step, index, steps) : undefined;
    if (step.continueOnError) log("warn", `step ${stepId} may fail (continueOnError); the run goes on`, { stepId });
    return finish({ status: "failed", error: message, ...(parameters ? { parameters } : {}), ...(next ? { next } : {}) });
  }
}

async function perform(
  step: Step,
  index: number,
  run: Run,
  trigger: TriggerEvent,
  delivery: Delivery,
  context: Record<string, unknown>,
  parameters: Record<string, unknown>,
  deps: RunnerDeps,
  log: (level: LogLevel, message: string, meta?: Record<string, unknown>) => void,
  idempotencyKey: string,
): Promise<Partial<StepRecord>> {
  const steps = run.definition.steps;
  switch (step.type) {
    case "action": {
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
        idempotencyKey,
        github: deps.github,
        notifier: deps.notifier,
        store: deps.store,
        clock: deps.clock,
        log: (level, message, meta) => log(level, message, { stepId: step.id, ...meta }),
      });
      return { outputs, next: stepEdgesFor(step, index, steps) };
    }
    case "decision": {
      for (const [i, c] of step.next.when.entries()) {
        if (evaluateCondition(c.if, context)) {
          log("info", `decision ${step.id}: case ${i + 1} is true`, { stepId: step.id, if: c.if });
          return { outputs: { case: i + 1 }, next: c.then };
        }
      }
      log("info", `decision ${step.id}: no case is true${step.next.else ? "; taking else" : ""}`, { stepId: step.id });
      return { outputs: { case: 0 }, next: step.next.else ?? [] };
    }
    case "approval":
    case "wait":
      throw new ActionError(`${step.type} steps are not supported yet`);
  }
  return {};
}

/** The steps an action continues with: its `next`, else the following step. */
function stepEdgesFor(step: Step, index: number, steps: readonly Step[]): string[] {
  return step.type === "action" ? stepEdges(steps, index) : [];
}

function describeTrigger(trigger: TriggerEvent): Record<string, unknown> {
  switch (trigger.kind) {
    case "pullRequest":
      return { kind: "pullRequest", action: trigger.action, number: trigger.pullRequest.number };
    case "finding":
      return { kind: "finding", action: trigger.action, source: trigger.finding.source, severity: trigger.finding.severity, number: trigger.finding.number };
    case "rerun":
      return { kind: "rerun", runId: trigger.runId };
  }
}

/** A failure's message, without anything an HTTP client attached (headers, tokens). */
function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    return status ? `${err.message} (HTTP ${status})` : err.message;
  }
  return String(err);
}
