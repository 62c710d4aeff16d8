import type { ActionHandler } from "../actions/index.js";
import type { Delivery } from "../domain/events.js";
import type { GitHubPort, GitHubPortFactory, Job, Notifier, RunReporter } from "../domain/ports.js";
import type { ActionKind } from "../domain/workflow.js";
import { DEFAULT_MAX_ATTEMPTS, NonRetriableError } from "../queue/worker.js";
import { processDelivery, validateHead, type IntakeDeps } from "./intake.js";
import { executeRun } from "./runner.js";

export interface EngineDeps extends IntakeDeps {
  notifier: Notifier;
  actions: Partial<Record<ActionKind, ActionHandler>>;
  githubFor: GitHubPortFactory;
  reporterFor(github: GitHubPort, delivery: Delivery): RunReporter;
}

/** The job types the worker runs: a recorded delivery becomes runs; a run executes. */
export function engineJobs(deps: EngineDeps): Record<string, (job: Job) => Promise<void>> {
  return {
    async delivery(job) {
      const delivery = await deps.store.getDelivery(String(job.payload.deliveryId));
      if (!delivery) throw new NonRetriableError(`delivery ${String(job.payload.deliveryId)} is not in the store`);
      const github = await deps.githubFor(delivery.installationId);
      for (const runId of await processDelivery(delivery, github, deps)) {
        // One run job per run and delivery: a redelivered job changes nothing.
        await deps.store.enqueue({ type: "run", payload: { runId }, runAt: deps.clock.now(), key: `run:${runId}:${delivery.id}` });
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

    async run(job) {
      const run = await deps.store.getRun(String(job.payload.runId));
      if (!run) throw new NonRetriableError(`run ${String(job.payload.runId)} is not in the store`);
      const delivery = await deps.store.getDelivery(run.deliveryId);
      if (!delivery) throw new NonRetriableError(`run ${run.id}: its delivery ${run.deliveryId} is not in the store`);
      const github = await deps.githubFor(run.installationId);
      const reporter = deps.reporterFor(github, delivery);
      let progress;
      try {
        progress = await executeRun(run, delivery, { ...deps, github, reporter });
      } catch (err) {
        // The last attempt: the run ends as failed, saying why, rather than waiting forever.
        if (job.attempts >= DEFAULT_MAX_ATTEMPTS) await abandonRun(run.id, err, deps, reporter);
        throw err;
      }
      if (progress.wakeAt) {
        // A durable timer: the job survives restarts and runs at once if it fell due meanwhile.
        const at = progress.wakeAt.toISOString();
        await deps.store.enqueue({ type: "run", payload: { runId: run.id }, runAt: progress.wakeAt, key: `run:${run.id}:wake:${at}` });
      }
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

/** Marks a run failed when the worker is about to give up on it (the store or GitHub kept failing). */
async function abandonRun(runId: string, err: unknown, deps: EngineDeps, reporter: RunReporter, why = `it could not go on after ${DEFAULT_MAX_ATTEMPTS} attempts`): Promise<void> {
  const run = await deps.store.getRun(runId);
  if (!run || run.status === "succeeded" || run.status === "failed" || run.status === "cancelled") return;
  const now = deps.clock.now().toISOString();
  const message = `run failed: ${why}: ${(err as Error).message ?? String(err)}`;
  const failed = { ...run, status: "failed" as const, finishedAt: now };
  await deps.store.saveRun(failed);
  await deps.store.appendLog(run.id, [{ ts: now, level: "error", message }]);
  await reporter.finished({ ...failed, log: [...run.log, { ts: now, level: "error", message }] }).catch(() => undefined);
}
