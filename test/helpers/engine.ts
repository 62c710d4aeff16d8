import { ACTIONS } from "../../src/actions/index.js";
import type { Delivery, TriggerEvent } from "../../src/domain/events.js";
import { silentLogger, type Store } from "../../src/domain/ports.js";
import type { Run } from "../../src/domain/run.js";
import type { Workflow } from "../../src/domain/workflow.js";
import { executeRun } from "../../src/engine/runner.js";
import type { RunProgress } from "../../src/engine/runner-deps.js";
import { checkRunReporter } from "../../src/github/check-reporter.js";
import { RecordingNotifier } from "../../src/github/recording-port.js";
import { loadWorkflow } from "../../src/workflows/index.js";
import { FakeGitHub } from "./fake-github.js";

export const REPOSITORY = { id: 7, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" };

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public current = new Date("2026-11-26T09:00:00.000Z")) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Parses a workflow written as YAML in a test, failing loudly when it is not valid. */
export function workflowFrom(yaml: string): Workflow {
  const result = loadWorkflow("test.yml", yaml);
  if (!result.workflow) throw new Error(result.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join("\n"));
  return result.workflow;
}

export const PR_TRIGGER: TriggerEvent = {
  kind: "pullRequest",
  action: "opened",
  pullRequest: { number: 5, title: "Bump deps", author: "author", baseRef: "main", headRef: "bump", headSha: "f".repeat(40), labels: [], draft: false, url: "https://github.com/acme/api/pull/5" },
};

/** Stores a delivery and a pending run of `workflow` for it, as intake would. */
export async function seedRun(store: Store, workflow: Workflow, clock: FakeClock, trigger: TriggerEvent = PR_TRIGGER, id = "run-1"): Promise<{ run: Run; delivery: Delivery }> {
  const delivery: Delivery = { id: `delivery-${id}`, event: "pull_request", action: "opened", installationId: 1, repository: REPOSITORY, triggers: [trigger], payload: {}, receivedAt: clock.now().toISOString() };
  await store.acceptDelivery(delivery);
  const run: Run = {
    id,
    workflowId: "wf",
    workflowName: workflow.name,
    workflowVersion: workflow.version,
    workflowPath: ".governance/test.yml",
    workflowCommit: "c".repeat(40),
    definition: workflow,
    installationId: 1,
    repository: REPOSITORY.fullName,
    deliveryId: delivery.id,
    triggerIndex: 0,
    dedupeKey: `test:${id}`,
    status: "pending",
    createdAt: clock.now().toISOString(),
    headSha: "f".repeat(40),
    steps: [],
    log: [],
  };
  await store.createRun(run);
  return { run, delivery };
}

/** The engine's dependencies over fakes, as a run job would build them. */
export function engineDeps(store: Store, clock: FakeClock, github = new FakeGitHub(), notifier = new RecordingNotifier()) {
  return {
    store,
    clock,
    github,
    notifier,
    actions: ACTIONS,
    reporter: checkRunReporter(github, REPOSITORY, { store, clock }),
    log: silentLogger,
  };
}

/** Runs (or resumes) a stored run as the run job does: from the store's state. */
export async function resume(deps: ReturnType<typeof engineDeps>, runId: string): Promise<RunProgress> {
  const run = (await deps.store.getRun(runId))!;
  const delivery = (await deps.store.getDelivery(run.deliveryId))!;
  return executeRun(run, delivery, deps);
}
