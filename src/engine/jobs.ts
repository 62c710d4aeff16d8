/**
 * The engine's job handlers for the worker: `delivery` (a recorded webhook becomes runs),
 * `validate` (a pull request's `.governance/` check) and `run`; and the give-up hook that fails
 * a run whose job kept killing its worker.
 */
import type { ScriptRunner } from "../domain/script-port.js";
import type { ActionHandler } from "../actions/index.js";
import { NonRetriableError } from "../domain/errors.js";
import type { Delivery } from "../domain/events.js";
import type { JobContext } from "../domain/job-context.js";
import type { Metrics } from "../domain/metrics-port.js";
import type { GitHubPort, GitHubPortFactory, Job, Notifier, RunReporter } from "../domain/ports.js";
import type { ActionKind, Severity } from "../domain/workflow.js";
import type { IntakeDeps } from "./intake-deps.js";
import { processDelivery, validateHead } from "./intake.js";
import { changeRun, endSteps, isFinishedRun } from "./run-writer.js";
import { executeRun, runJob } from "./runner.js";

export interface EngineDeps extends IntakeDeps {
  notifier: Notifier;
  actions: Partial<Record<ActionKind, ActionHandler>>;
  githubFor: GitHubPortFactory;
  reporterFor(github: GitHubPort, delivery: Delivery): RunReporter;
  /** The operator's scripts, for runScript steps; absent when none are configured. */
  scripts?: ScriptRunner;
  /** assignTask's due dates by severity, in milliseconds. */
  taskDueMs?: Readonly<Partial<Record<Severity, number>>>;
  /** Where runs and steps are counted (default: nowhere); the runner gets it with the rest. */
  metrics?: Metrics;
}

/** The job types the worker runs: a recorded delivery becomes runs; a run executes. */
export function engineJobs(deps: EngineDeps): Record<string, (job: Job, context?: JobContext) => Promise<void>> {
  return {
    async delivery(job, context) {
      const delivery = await deps.store.getDelivery(String(job.payload.deliveryId));
      if (!delivery) throw new NonRetriableError(`delivery ${String(job.payload.deliveryId)} is not in the store`);
      const github = await deps.githubFor(delivery.installationId);
      const { runs, finished } = await processDelivery(delivery, github, deps, context ? { holder: { jobId: job.id, workerId: context.workerId } } : {});
      // An earlier attempt ran these to their end and died before it was recorded, perhaps
      // before the check run showed it: show it again (the update is idempotent).
      if (job.attempts > 1) {
        for (const run of finished) await deps.reporterFor(github, delivery).finished(run).catch((err: unknown) => deps.log.warn({ runId: run.id, err }, "could not update the check run"));
      }
      for (const { run } of runs.filter((r) => !r.held)) {
        // One run job per run and delivery: a redelivered job changes nothing.
        await deps.store.enqueue(runJob(run, `run:${run.id}:${delivery.id}`));
      }
      // The run this job holds runs here, in this slot, with no job of its own to queue, claim
      // and finish. If this job dies, its next attempt finds the run unfinished and queues it.
      const held = runs.find((r) => r.held);
      if (held && context) {
        // A re-run belongs to the delivery of the run it repeats.
        const own = held.run.deliveryId === delivery.id ? delivery : await deps.store.getDelivery(held.run.deliveryId);
        if (!own) throw new NonRetriableError(`run ${held.run.id}: its delivery ${held.run.deliveryId} is not in the store`);
        await executeRun(held.run, own, { ...deps, github, reporter: deps.reporterFor(github, own), signal: context.signal, holdsLease: context.holdsLease });
      }
    },

    /** The `governance / validate` check of a pull request's own `.governance/` edits. */
    async validate(job) {
      const delivery = await deps.store.getDelivery(String(job.payload.deliveryId));
      if (!delivery) throw new NonRetriableError(`delivery ${String(job.payload.deliveryId)} is not in the store`);
      const trigger = delivery.triggers[Number(job.payload.triggerIndex)];
      if (trigger?.kind !== "pullRequest") throw new NonRetriableError(`delivery ${delivery.id} has no pull request trigger ${String(job.payload.triggerIndex)}`);
      const baseTree = typeof job.payload.baseTree === "string" ? job.payload.baseTree : undefined;
      await validateHead(delivery, trigger, baseTree, await deps.githubFor(delivery.installationId), deps);
    },

    async run(job, context) {
      const run = await deps.store.getRun(String(job.payload.runId));
      if (!run) throw new NonRetriableError(`run ${String(job.payload.runId)} is not in the store`);
      const delivery = await deps.store.getDelivery(run.deliveryId);
      if (!delivery) throw new NonRetriableError(`run ${run.id}: its delivery ${run.deliveryId} is not in the store`);
      const github = await deps.githubFor(run.installationId);
      // A wake-up, a timer and a rescheduling are committed by the runner itself; a run that
      // cannot go on is ended by the worker's give-up hook (engineGiveUps) after its last attempt.
      await executeRun(run, delivery, { ...deps, github, reporter: deps.reporterFor(github, delivery), ...(context ? { signal: context.signal, holdsLease: context.holdsLease } : {}), retried: job.attempts > 1 });
    },
  };
}

/**
 * What ends when the worker gives a job up without the handler having a say: a run job that
 * kept stopping its worker (killed it, or stalled it until it was restarted) fails its run,
 * saying why, and completes its check run, instead of coming back forever.
 */
export function engineGiveUps(deps: EngineDeps): Record<string, (job: Job, reason: string) => Promise<void>> {
  return {
    async run(job, reason) {
      const run = await deps.store.getRun(String(job.payload.runId));
      if (!run) return;
      const delivery = await deps.store.getDelivery(run.deliveryId);
      if (!delivery) return;
      const github = await deps.githubFor(run.installationId);
      await abandonRun(run.id, new Error(reason), deps, deps.reporterFor(github, delivery), "the job was given up");
    },
  };
}

/** Ends a run as failed, saying why, and completes its check run (a run already ended stays as it is). */
async function abandonRun(runId: string, err: unknown, deps: EngineDeps, reporter: RunReporter, why: string): Promise<void> {
  const message = `run failed: ${why}: ${(err as Error).message ?? String(err)}`;
  const failed = await changeRun(deps.store, runId, (run) => {
    if (isFinishedRun(run)) return undefined;
    const now = deps.clock.now().toISOString();
    return { run: { ...run, status: "failed", finishedAt: now, currentStepId: undefined, steps: endSteps(run.steps, now) }, log: [{ ts: now, level: "error", message }] };
  });
  if (failed) {
    deps.metrics?.runFinished("failed");
    await reporter.finished(failed).catch(() => undefined);
  }
}
