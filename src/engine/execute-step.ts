/**
 * One step of a run: its start (refused past the run's bounds), then by type an action (rendered
 * parameters, the handler with an idempotency key and an effect ledger), a decision, or the start
 * of an approval or wait. Returns the run with the step's new record, committed only where an
 * action is about to make a side effect.
 */
import { ActionError, ActionWaits } from "../actions/index.js";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import type { EffectLedger } from "../domain/ports.js";
import type { Run, StepRecord } from "../domain/run.js";
import { evaluateCondition, renderParametersAll } from "../workflows/evaluate.js";
import { stepEdges } from "../workflows/graph.js";
import { expressionContext, stepOutputs } from "./context.js";
import { lineage, type Ready } from "./replay.js";
import { LeaseLostError, MAX_STEP_EXECUTIONS, type Commit, type RunnerDeps } from "./runner-deps.js";
import { clean, completeWaiting, failure, type Log } from "./step-outcomes.js";
import { startApproval, startWait, voteIssues } from "./waits.js";

export async function executeStep(
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
          scripts: deps.scripts,
          ...(deps.taskDueMs ? { taskDueMs: deps.taskDueMs } : {}),
          store: deps.store,
          clock: deps.clock,
          // Fresh when this attempt's "running" was committed just above: nothing was made under its key yet.
          effects: ledger(!ready.resume, new Date(base.startedAt ?? deps.clock.now().toISOString())),
          log: (level, message, meta) => log(level, message, { stepId: step.id, ...meta }),
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
        if (outputs instanceof ActionWaits) {
          // Recorded waiting with what it made so far; the event it waits for ends it with an outcome.
          log("info", `step ${step.id}: ${outputs.message}`, { stepId: step.id });
          return put({ ...clean(base), status: "waiting", parameters, outputs: outputs.outputs, waiting: outputs.waiting });
        }
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

