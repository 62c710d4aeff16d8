/**
 * Delivery intake: turns a recorded delivery into runs, by matching the default branch's
 * workflows (never a pull request's), applying signals and re-runs, and queueing validation of
 * a pull request's changed `.governance/` files.
 */
import { v7 as uuidv7 } from "uuid";
import type { Delivery, TriggerEvent } from "../domain/events.js";
import type { GitHubPort, JobHolder } from "../domain/ports.js";
import { isPrunedPayload } from "../domain/retention-port.js";
import type { Run } from "../domain/run.js";
import { matchWorkflow, triggerIO } from "../triggers/match.js";
import { triggerTypesFor } from "../triggers/registry.js";
import type { IntakeDeps } from "./intake-deps.js";
import { newRun } from "./new-run.js";
import { withOrgWide } from "./org-wide.js";
import { selectedRun } from "./requested-runs.js";
import { applySignal } from "./signals.js";

/** Pull request actions after which a changed `.governance/` folder is validated. */
const VALIDATE_ON = new Set(["opened", "synchronize", "reopened", "ready_for_review"]);

/** What a delivery left to execute. */
export interface DeliveryRuns {
  /** Runs this delivery stored that still have work to do (new, or found by their dedupe key unfinished: a redelivery, a retry of the job). */
  runs: StoredRun[];
  /** Runs of this very delivery found already finished: a retry of its job may not have shown their end on the check run. */
  finished: Run[];
}

export interface StoredRun {
  run: Run;
  /** The job processing the delivery holds this new run (see `ProcessOptions.holder`): it executes it itself. */
  held: boolean;
}

export interface ProcessOptions {
  /**
   * The running job processing the delivery: the first run it creates is handed to it in the
   * same commit (it takes the run's concurrency key), so it can execute that run itself instead
   * of queueing a job for it.
   */
  holder?: JobHolder;
}

/**
 * Turns a recorded delivery into runs: loads the workflows from the default branch (never a
 * pull request's base or head), matches their triggers, and stores one run per match. A
 * signal changes the runs that wait for it, each with the job that continues it in the same
 * commit, so it leaves nothing to execute here.
 */
export async function processDelivery(delivery: Delivery, github: GitHubPort, deps: IntakeDeps, options: ProcessOptions = {}): Promise<DeliveryRuns> {
  const runs: StoredRun[] = [];
  const finished: Run[] = [];
  const storeRun = async (run: Run) => {
    const holder = runs.some((r) => r.held) ? undefined : options.holder;
    const { run: stored, created, held } = await deps.store.createRun(run, holder ? { heldBy: holder } : {});
    deps.log.info({ deliveryId: delivery.id, runId: stored.id, installationId: delivery.installationId, repository: delivery.repository.fullName, workflow: run.workflowPath, created }, created ? "run created" : "run already exists for this event");
    if (stored.status === "pending" || stored.status === "running") runs.push({ run: stored, held: held === true });
    else if (stored.deliveryId === delivery.id) finished.push(stored);
  };
  // Read once per delivery, however many of its events need it.
  let policy: ReturnType<typeof withOrgWide> | undefined;
  for (const [index, trigger] of delivery.triggers.entries()) {
    if (trigger.kind === "rerun") {
      const run = await rerun(delivery, trigger, deps);
      if (run) await storeRun(run);
      continue;
    }
    if (trigger.kind === "signal") {
      await applySignal(delivery, trigger.signal, github, deps);
      continue;
    }
    // Workflows act with the app's rights, so they come from the default branch only: a pull
    // request's base branch may be one anyone with push access made. The base branch only
    // decides which `branches` filters match. The owner's org-wide workflows that name the
    // repository come after the repository's own.
    policy ??= withOrgWide(deps.store, deps.source.loadPolicy(github, delivery.repository, delivery.installationId), delivery.repository);
    const folder = await policy;
    const io = triggerIO(delivery.repository, github);
    const selecting = triggerTypesFor(trigger.kind).find((d) => d.select);
    if (selecting) {
      const run = await selectedRun(delivery, index, trigger, selecting, folder, io, github, deps);
      if (run) await storeRun(run);
      continue;
    }
    for (const broken of folder.files.filter((f) => !f.workflow)) {
      deps.log.warn({ deliveryId: delivery.id, path: broken.path, errors: broken.diagnostics.length }, `skipping ${broken.path}: it is not a valid workflow`);
    }
    if (trigger.kind === "pullRequest" && VALIDATE_ON.has(trigger.action)) {
      // A job of its own: a failing report (GitHub refusing the check run) retries by itself
      // and never holds back the runs of this delivery.
      await deps.store.enqueue({
        type: "validate",
        payload: { deliveryId: delivery.id, triggerIndex: index, baseTree: folder.treeOid ?? null },
        runAt: deps.clock.now(),
        key: `validate:${delivery.id}:${index}`,
        installationId: delivery.installationId,
      });
    }

    for (const loaded of folder.workflows) {
      const match = await matchWorkflow(loaded.workflow, trigger, io);
      if (!match.matched) {
        deps.log.debug({ deliveryId: delivery.id, workflow: loaded.path, reason: match.reason }, "workflow not triggered");
        continue;
      }
      await storeRun(newRun(delivery, index, trigger, loaded, folder.commit, deps.clock));
    }
  }
  return { runs, finished };
}

/** `rerequested` on one of our check runs: the same workflow again, for the same commit and event. */
async function rerun(delivery: Delivery, trigger: Extract<TriggerEvent, { kind: "rerun" }>, deps: IntakeDeps): Promise<Run | undefined> {
  const previous = await deps.store.getRun(trigger.runId);
  if (!previous || previous.repository !== delivery.repository.fullName) {
    deps.log.warn({ deliveryId: delivery.id, runId: trigger.runId }, "re-run requested for an unknown run");
    return undefined;
  }
  // The run repeats its own event: once retention has pruned that event's payload, the
  // expressions (`event.payload`) would see none, so it is not run again.
  const origin = await deps.store.getDelivery(previous.deliveryId);
  if (!origin || isPrunedPayload(origin.payload)) {
    deps.log.warn({ deliveryId: delivery.id, runId: previous.id }, `re-run refused: the event of run ${previous.id} is no longer kept (payloads of finished runs are pruned after 30 days)`);
    return undefined;
  }
  const run: Run = {
    ...previous,
    id: uuidv7(),
    dedupeKey: `rerun:${delivery.id}`,
    status: "pending",
    createdAt: deps.clock.now().toISOString(),
    startedAt: undefined,
    finishedAt: undefined,
    currentStepId: undefined,
    checkRunId: undefined,
    headSha: trigger.headSha,
    steps: [],
    log: [],
  };
  deps.log.info({ deliveryId: delivery.id, previousRunId: previous.id }, "re-run requested");
  return run;
}

/**
 * A pull request that changes `.governance/` gets its files validated, and only validated: the
 * head's workflows never run. A changed folder is spotted by comparing tree ids, without
 * listing the pull request's files.
 */
export async function validateHead(
  delivery: Delivery,
  trigger: Extract<TriggerEvent, { kind: "pullRequest" }>,
  baseTree: string | undefined,
  github: GitHubPort,
  deps: IntakeDeps,
): Promise<void> {
  const repo = { owner: delivery.repository.owner, repo: delivery.repository.name };
  const headTree = await github.governanceTreeOid(repo, trigger.pullRequest.headSha);
  if (headTree === undefined || headTree === baseTree) return;
  const head = await deps.source.load(github, delivery.repository, trigger.pullRequest.headSha);
  await deps.reportValidation(github, delivery, trigger.pullRequest.headSha, head.files);
}
