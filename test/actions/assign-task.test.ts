/**
 * assignTask: one task per finding, mirrored as one issue assigned to users, team members and
 * CODEOWNERS (the unassignable named in it), with its due date; and its status following the
 * issue and the alert (closed, reopened, fixed, dismissed), mirrored on the issue once.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Delivery, Signal, TriggerEvent } from "../../src/domain/events.js";
import type { Finding } from "../../src/domain/finding.js";
import type { Store } from "../../src/domain/ports.js";
import { applySignal } from "../../src/engine/signals.js";
import { renderRunCheck } from "../../src/github/render-run.js";
import { openStore } from "../../src/store/open-store.js";
import { engineDeps, FakeClock, REPOSITORY, resume, seedRun, workflowFrom } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";

let store: Store;
let clock: FakeClock;
beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  clock = new FakeClock();
});
afterEach(async () => store.close());

const FINDING: Finding = {
  source: "codeScanning",
  severity: "high",
  rule: "js/sql-injection",
  tool: "CodeQL",
  title: "SQL built from user input",
  url: "https://github.com/acme/api/security/code-scanning/4",
  number: 4,
  state: "open",
  fingerprint: "codeScanning:7:4",
  path: "src/db/query.ts",
  startLine: 12,
};
const ALERT: TriggerEvent = { kind: "finding", action: "created", finding: FINDING };

const ASSIGN = workflowFrom(`
name: Triage
version: 1.0.0
triggers: [{ type: onScanResult }]
steps:
  - id: task
    type: action
    action:
      kind: assignTask
      parameters:
        assignees: [octocat, "@acme/db-team", codeowners, outsider]
        labels: [security]
        due: 7d
  - id: until-done
    type: wait
    wait: { for: taskClosed, step: task }
`);

function github(): FakeGitHub {
  const gh = new FakeGitHub();
  gh.teams["acme/db-team"] = ["dba1", "octocat"];
  gh.files[".github/CODEOWNERS"] = "*       @fallback\n/src/db/ @owner-db\n";
  gh.notAssignable.add("outsider");
  return gh;
}

const delivery = (id: string): Delivery => ({ id, event: "issues", action: "closed", installationId: 1, repository: REPOSITORY, triggers: [], payload: {}, receivedAt: clock.now().toISOString() });
const signal = (s: Signal, gh: FakeGitHub, id = "s") => applySignal(delivery(id), s, gh, { store, clock, log: engineDeps(store, clock).log });

describe("assignTask", () => {
  it("stores a task and opens one issue assigned to the users, the team's members and the path's CODEOWNERS; the unassignable are named in it", async () => {
    const gh = github();
    await seedRun(store, ASSIGN, clock, ALERT);
    const { run } = await resume(engineDeps(store, clock, gh), "run-1");
    expect(gh.issues).toHaveLength(1);
    const [issue] = gh.issues;
    expect(issue).toMatchObject({ repo: "acme/api", title: "[high] SQL built from user input", labels: ["security"], assignees: ["octocat", "dba1", "owner-db"] });
    expect(issue!.body).toContain("To do, but not assignable here: @outsider.");
    expect(issue!.body).toContain("Due: 2026-12-03");
    expect(issue!.body).toContain("| [SQL built from user input](https://github.com/acme/api/security/code-scanning/4) | high | codeScanning |");
    const outputs = run.steps[0]!.outputs!;
    expect(outputs).toMatchObject({ issueNumber: 1, url: "https://github.com/acme/api/issues/1", dueAt: "2026-12-03T09:00:00.000Z", status: "open", created: true });
    const task = await store.getTask(String(outputs.taskId));
    expect(task).toMatchObject({ status: "open", assignedTo: ["octocat", "dba1", "owner-db"], fingerprint: FINDING.fingerprint, issueNumber: 1, relatedFindings: [{ fingerprint: FINDING.fingerprint }] });
    // The wait for the task is the wait for its issue.
    expect(run.steps[1]).toMatchObject({ status: "waiting", waiting: { event: "issueClosed", target: "acme/api#1" } });
  });

  it("is one task and one issue per finding, whichever run assigns it", async () => {
    const gh = github();
    await seedRun(store, ASSIGN, clock, ALERT, "run-1");
    await seedRun(store, ASSIGN, clock, ALERT, "run-2");
    const first = (await resume(engineDeps(store, clock, gh), "run-1")).run.steps[0]!.outputs!;
    const second = (await resume(engineDeps(store, clock, gh), "run-2")).run.steps[0]!.outputs!;
    expect(gh.issues).toHaveLength(1);
    expect(second).toMatchObject({ taskId: first.taskId, issueNumber: first.issueNumber, created: false });
  });
});

describe("a new finding with the task's fingerprint", () => {
  it("is added to the task's related findings and to its issue's body, which is edited, never posted again", async () => {
    const gh = github();
    await seedRun(store, ASSIGN, clock, ALERT, "run-1");
    const first = (await resume(engineDeps(store, clock, gh), "run-1")).run.steps[0]!.outputs!;
    // A scanner reports the same problem again, in a new report.
    const again: TriggerEvent = { kind: "finding", action: "created", finding: { ...FINDING, title: "SQL built from user input (rescan)", url: "https://scanner.example/report/2" } };
    await seedRun(store, ASSIGN, clock, again, "run-2");
    const second = (await resume(engineDeps(store, clock, gh), "run-2")).run.steps[0]!.outputs!;
    expect(second).toMatchObject({ taskId: first.taskId, issueNumber: 1, created: false });
    expect(gh.issues).toHaveLength(1);
    expect((await store.getTask(String(first.taskId)))!.relatedFindings.map((f) => f.url)).toEqual([FINDING.url, "https://scanner.example/report/2"]);
    expect(gh.issueUpdates).toHaveLength(1);
    expect(gh.issueUpdates[0]!.body).toContain("| [SQL built from user input (rescan)](https://scanner.example/report/2) | high | codeScanning |");
    expect(gh.issues[0]!.body).toContain("To do, but not assignable here: @outsider.");
    expect(gh.issues[0]!.body).toMatch(/<!-- governance:issue:[0-9a-f]{24} -->$/);
    // The same occurrence again changes nothing.
    await seedRun(store, ASSIGN, clock, again, "run-3");
    await resume(engineDeps(store, clock, gh), "run-3");
    expect(gh.issueUpdates).toHaveLength(1);
  });
});

describe("a task's due date", () => {
  it("bounds the wait for the task (timedOut routes to the escalation) and shows on the check run", async () => {
    const wf = workflowFrom(`
name: Due
version: 1.0.0
triggers: [{ type: onScanResult }]
steps:
  - id: task
    type: action
    action: { kind: assignTask, parameters: { assignees: [octocat], due: 3d } }
  - id: until-done
    type: wait
    wait: { for: taskClosed, timeout: 30d }
    next: { timedOut: [escalate] }
  - id: escalate
    type: action
    action: { kind: notify, parameters: { comment: "overdue" } }
    next: []
`);
    const gh = github();
    await seedRun(store, wf, clock, ALERT);
    const deps = engineDeps(store, clock, gh);
    const waiting = await resume(deps, "run-1");
    expect(waiting.run.steps[1]!.waiting).toMatchObject({ timeoutAt: "2026-11-29T09:00:00.000Z" });
    expect(waiting.wakeAt?.toISOString()).toBe("2026-11-29T09:00:00.000Z");
    expect(waiting.run.log.some((l) => l.message.endsWith("(the task is due 2026-11-29T09:00:00.000Z)"))).toBe(true);
    const summary = renderRunCheck(waiting.run).summary;
    expect(summary.split("\n").find((l) => l.startsWith("| task"))).toContain("due 2026-11-29");
    clock.advance(3 * 86_400_000 + 1);
    const { run } = await resume(deps, "run-1");
    expect(run.steps.map((s) => [s.stepId, s.outcome ?? s.status])).toEqual([
      ["task", "succeeded"],
      ["until-done", "timedOut"],
      ["escalate", "succeeded"],
    ]);
  });
});

describe("the operator's due dates", () => {
  it("a step without due gets the default for its finding's severity", async () => {
    const wf = workflowFrom(`name: D\nversion: 1.0.0\ntriggers: [{ type: onScanResult }]\nsteps:\n  - id: task\n    type: action\n    action: { kind: assignTask }\n`);
    await seedRun(store, wf, clock, ALERT);
    const { run } = await resume(Object.assign(engineDeps(store, clock, github()), { taskDueMs: { high: 2 * 86_400_000, low: 86_400_000 } }), "run-1");
    expect(run.steps[0]!.outputs).toMatchObject({ dueAt: "2026-11-28T09:00:00.000Z" });
  });
});

describe("assignTask across a crash", () => {
  it("an issue made before the answer was lost is found again by its marker, never opened twice", async () => {
    const gh = github();
    gh.failAfterWrite = true; // the issue is created, then GitHub's answer is lost (502)
    const wf = workflowFrom(`
name: Retry
version: 1.0.0
triggers: [{ type: onScanResult }]
steps:
  - id: task
    type: action
    retry: { maxAttempts: 3, backoff: 1s }
    action: { kind: assignTask, parameters: { assignees: [octocat] } }
    next: []
`);
    await seedRun(store, wf, clock, ALERT);
    const deps = engineDeps(store, clock, gh);
    await resume(deps, "run-1");
    clock.advance(2_000);
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("succeeded");
    expect(gh.issues).toHaveLength(1);
    expect(await store.getTask(String(run.steps.at(-1)!.outputs!.taskId))).toMatchObject({ issueNumber: 1 });
  });
});

describe("a task's status follows reality", () => {
  async function assigned(gh: FakeGitHub) {
    await seedRun(store, ASSIGN, clock, ALERT);
    const { run } = await resume(engineDeps(store, clock, gh), "run-1");
    return String(run.steps[0]!.outputs!.taskId);
  }

  it("closing the issue completes the task (and ends the wait for it); reopening it reopens the task; not planned closes it", async () => {
    const gh = github();
    const id = await assigned(gh);
    expect(await signal({ type: "issueClosed", repository: "acme/api", number: 1, at: clock.now().toISOString(), reason: "completed" }, gh, "s1")).toEqual(["run-1"]);
    expect(await store.getTask(id)).toMatchObject({ status: "completed", resolution: "issueCompleted" });
    await signal({ type: "issueReopened", repository: "acme/api", number: 1, at: clock.now().toISOString() }, gh, "s2");
    expect(await store.getTask(id)).toMatchObject({ status: "open" });
    expect((await store.getTask(id))!.resolution).toBeUndefined();
    await signal({ type: "issueClosed", repository: "acme/api", number: 1, at: clock.now().toISOString(), reason: "not_planned" }, gh, "s3");
    expect(await store.getTask(id)).toMatchObject({ status: "closed", resolution: "issueNotPlanned" });
    // People changed the issue themselves: nothing is said on it.
    expect(gh.comments).toEqual([]);
    expect(gh.issueUpdates).toEqual([]);
  });

  it("a failure while closing the issue leaves the task open, so the signal's retry closes both, commenting once", async () => {
    const gh = github();
    const id = await assigned(gh);
    const update = gh.updateIssue.bind(gh);
    let failures = 1;
    gh.updateIssue = async (...args: Parameters<FakeGitHub["updateIssue"]>) => {
      if (failures-- > 0) throw Object.assign(new Error("Bad Gateway"), { status: 502 });
      return update(...args);
    };
    const fixed: Signal = { type: "alertResolved", fingerprint: FINDING.fingerprint, state: "fixed", at: clock.now().toISOString() };
    await expect(signal(fixed, gh, "f1")).rejects.toThrow("Bad Gateway");
    expect(await store.getTask(id)).toMatchObject({ status: "open" });
    await signal(fixed, gh, "f1");
    expect(await store.getTask(id)).toMatchObject({ status: "completed", resolution: "alertFixed" });
    expect(gh.comments).toHaveLength(1);
    expect(gh.issueUpdates).toMatchObject([{ number: 1, state: "closed", stateReason: "completed" }]);
  });

  it("the alert fixed closes the issue with a comment that says why; reopened, it reopens both; dismissed, it closes as not planned", async () => {
    const gh = github();
    const id = await assigned(gh);
    await signal({ type: "alertResolved", fingerprint: FINDING.fingerprint, state: "fixed", at: clock.now().toISOString() }, gh, "a1");
    expect(await store.getTask(id)).toMatchObject({ status: "completed", resolution: "alertFixed" });
    expect(gh.comments.map((c) => [c.issue, c.body])).toEqual([[1, "The alert this task tracks was fixed: closing the task."]]);
    expect(gh.issueUpdates).toMatchObject([{ number: 1, state: "closed", stateReason: "completed" }]);
    // The issue's own closed event (from that close) changes nothing more.
    await signal({ type: "issueClosed", repository: "acme/api", number: 1, at: clock.now().toISOString(), reason: "completed" }, gh, "a2");
    expect(await store.getTask(id)).toMatchObject({ resolution: "alertFixed" });
    // A redelivered fix says nothing twice.
    await signal({ type: "alertResolved", fingerprint: FINDING.fingerprint, state: "fixed", at: clock.now().toISOString() }, gh, "a3");
    expect(gh.comments).toHaveLength(1);

    await signal({ type: "alertReopened", fingerprint: FINDING.fingerprint, at: clock.now().toISOString() }, gh, "a4");
    expect(await store.getTask(id)).toMatchObject({ status: "open" });
    expect(gh.issueUpdates.at(-1)).toMatchObject({ number: 1, state: "open", stateReason: "reopened" });
    expect(gh.comments.at(-1)!.body).toBe("The alert this task tracks was reopened: reopening the task.");

    await signal({ type: "alertResolved", fingerprint: FINDING.fingerprint, state: "dismissed", at: clock.now().toISOString() }, gh, "a5");
    expect(await store.getTask(id)).toMatchObject({ status: "closed", resolution: "alertDismissed" });
    expect(gh.issueUpdates.at(-1)).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect(gh.comments).toHaveLength(3);
  });
});
