import type { Delivery } from "../../src/domain/events.js";
import type { Run } from "../../src/domain/run.js";
import type { NewRemediationTask } from "../../src/domain/task.js";

/** A fixed instant, far from the real clock, so a store's own "now" never decides a test. */
export const T0 = new Date("2030-01-01T00:00:00.000Z");

/** T0 plus some milliseconds. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

/** A pull_request delivery with one trigger event. */
export function makeDelivery(id: string, overrides: Partial<Delivery> = {}): Delivery {
  return {
    id,
    event: "pull_request",
    action: "opened",
    installationId: 4_200_000_001,
    repository: { id: 1, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" },
    triggers: [
      {
        kind: "pullRequest",
        action: "opened",
        pullRequest: {
          number: 7,
          title: "Add a thing",
          author: "octocat",
          baseRef: "main",
          headRef: "feature",
          headSha: "a".repeat(40),
          labels: ["security"],
          draft: false,
          url: "https://github.com/acme/api/pull/7",
        },
      },
    ],
    payload: { action: "opened", number: 7, nested: { list: [1, "two", null, true] } },
    receivedAt: T0.toISOString(),
    ...overrides,
  };
}

let runCounter = 0;

/** A running run with two steps and one log entry; ids and dedupe keys are unique unless given. */
export function makeRun(overrides: Partial<Run> = {}): Run {
  runCounter++;
  return {
    id: `run-${runCounter}-${Math.random().toString(36).slice(2, 8)}`,
    workflowId: "wf-triage",
    workflowName: "Triage",
    workflowVersion: "1.2.0",
    workflowPath: ".governance/triage.yml",
    workflowCommit: "c".repeat(40),
    definition: {
      name: "Triage",
      version: "1.2.0",
      triggers: [{ type: "onPR", config: { labels: ["security"] } }],
      steps: [{ id: "open", type: "action", action: { kind: "createIssue", parameters: { title: "Fix ${{ pullRequest.title }}" } } }],
    },
    installationId: 4_200_000_001,
    repository: "acme/api",
    deliveryId: "delivery-1",
    triggerIndex: 0,
    dedupeKey: `dedupe-${runCounter}-${Math.random().toString(36).slice(2, 8)}`,
    status: "running",
    createdAt: at(runCounter).toISOString(),
    startedAt: at(runCounter + 1).toISOString(),
    currentStepId: "open",
    headSha: "a".repeat(40),
    checkRunId: 9_876_543_210,
    steps: [
      { stepId: "open", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, startedAt: T0.toISOString(), outputs: { number: 12 } },
      { stepId: "notify", type: "action", kind: "notify", status: "running", attempt: 1, parameters: { channel: "sec" } },
    ],
    log: [{ ts: T0.toISOString(), level: "info", message: "run started", meta: { trigger: 0 } }],
    ...overrides,
  };
}

let taskCounter = 0;

/** An open task about one finding, with no issue yet; ids, keys and fingerprints are unique unless given. */
export function makeTask(overrides: Partial<NewRemediationTask> = {}): NewRemediationTask {
  taskCounter++;
  const fingerprint = `codeScanning:1:${taskCounter}`;
  return {
    id: `task-${taskCounter}-${Math.random().toString(36).slice(2, 8)}`,
    title: `Fix alert ${taskCounter}`,
    description: "A **critical** alert: fix it.\n\nSee the findings below.",
    assignedTo: ["octocat", "hubot"],
    status: "open",
    relatedFindings: [{ fingerprint, url: `https://github.com/acme/api/security/code-scanning/${taskCounter}`, title: "SQL injection", severity: "critical", source: "codeScanning", firstSeenAt: T0.toISOString() }],
    repository: "acme/api",
    createdAt: at(taskCounter).toISOString(),
    dueAt: at(7 * 24 * 3_600_000).toISOString(),
    fingerprint,
    key: `assignTask:acme/api:wf-triage:assign:${fingerprint}`,
    installationId: 4_200_000_001,
    workflowId: "wf-triage",
    runId: "run-1",
    stepId: "assign",
    ...overrides,
  };
}
