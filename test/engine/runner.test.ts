import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Delivery, Signal } from "../../src/domain/events.js";
import type { Store } from "../../src/domain/ports.js";
import { applySignal } from "../../src/engine/signals.js";
import { RecordingNotifier } from "../../src/github/recording-port.js";
import { openStore } from "../../src/store/open-store.js";
import { engineDeps, FakeClock, REPOSITORY, resume, seedRun, workflowFrom } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";

const HOUR = 3_600_000;
let store: Store;
let clock: FakeClock;

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  clock = new FakeClock();
});
afterEach(async () => store.close());

const signalDelivery = (id: string): Delivery => ({ id, event: "issue_comment", action: "created", installationId: 1, repository: REPOSITORY, triggers: [], payload: {}, receivedAt: clock.now().toISOString() });
const approve = (actor: string, decision: "approve" | "reject" = "approve", issueNumber = 5): Signal => ({ type: "approval", decision, actor, at: clock.now().toISOString(), via: "comment", issueNumber });

describe("control flow", () => {
  it("runs several next ids as branches; the run fails when any branch failed, after the others ended", async () => {
    const wf = workflowFrom(`
name: Branches
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: split
    type: decision
    next: { when: [{ if: "pullRequest.number == 5", then: [broken, fine] }] }
  - id: broken
    type: action
    action: { kind: runScript, parameters: { script: x } }
    next: []
  - id: fine
    type: action
    action: { kind: notify, parameters: { comment: "branch two ran" } }
    next: []
`);
    await seedRun(store, wf, clock);
    const deps = engineDeps(store, clock);
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("failed");
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["split", "succeeded"],
      ["broken", "failed"],
      ["fine", "succeeded"],
    ]);
    expect((deps.github as FakeGitHub).comments).toHaveLength(1);
  });

  it("lets a step marked continueOnError fail without failing the run", async () => {
    const wf = workflowFrom(`
name: Tolerant
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: optional
    type: action
    continueOnError: true
    action: { kind: runScript, parameters: { script: x } }
  - id: after
    type: action
    action: { kind: notify, parameters: { comment: "still here" } }
`);
    await seedRun(store, wf, clock);
    const { run } = await resume(engineDeps(store, clock), "run-1");
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.status)).toEqual(["failed", "succeeded"]);
  });
});

describe("templates", () => {
  it("renders null visibly, and a step whose template fails keeps what each parameter became", async () => {
    const wf = workflowFrom(`
name: Templates
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: say
    type: action
    continueOnError: true
    action: { kind: notify, parameters: { comment: "merged=\${{ null }} n=\${{ pullRequest.number }}" } }
  - id: broken
    type: action
    action: { kind: notify, parameters: { comment: "n=\${{ pullRequest.number }}", message: "\${{ pullRequest.number + 'x' }}" } }
`);
    await seedRun(store, wf, clock);
    const deps = engineDeps(store, clock);
    const { run } = await resume(deps, "run-1");
    expect((deps.github as FakeGitHub).comments[0]!.body).toMatch(/^merged=null n=5\n/);
    const broken = run.steps.find((s) => s.stepId === "broken")!;
    expect(broken).toMatchObject({ status: "failed", parameters: { comment: "n=5", message: "${{ pullRequest.number + 'x' }}" } });
    expect(broken.error).toMatch(/no such overload/);
  });
});

describe("commits", () => {
  it("commits before each side effect and where the run stops, not after every step: three for two actions and a decision", async () => {
    const wf = workflowFrom(`
name: Economy
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: check
    type: decision
    next: { when: [{ if: "pullRequest.number == 5", then: [first] }] }
  - id: first
    type: action
    action: { kind: notify, parameters: { comment: "one" } }
    next: [second]
  - id: second
    type: action
    action: { kind: notify, parameters: { comment: "two" } }
    next: []
`);
    await seedRun(store, wf, clock);
    const states: { status: string; steps: string[] }[] = [];
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "commitRun") {
          return (run: Parameters<Store["commitRun"]>[0], extras: Parameters<Store["commitRun"]>[1]) => {
            states.push({ status: run.status, steps: run.steps.map((s) => `${s.stepId}:${s.status}`) });
            return target.commitRun(run, extras);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { run } = await resume(engineDeps(counting, clock), "run-1");
    expect(run.status).toBe("succeeded");
    expect(states).toEqual([
      // The start and the decision, with the first action's "running", before its comment.
      { status: "running", steps: ["check:succeeded", "first:running"] },
      { status: "running", steps: ["check:succeeded", "first:succeeded", "second:running"] },
      // The last outcome and the end.
      { status: "succeeded", steps: ["check:succeeded", "first:succeeded", "second:succeeded"] },
    ]);
    // Every line of the log was committed.
    expect(run.log.map((l) => l.message)).toContain("run succeeded");
    expect((await store.getRun("run-1"))!.log).toEqual(run.log);
  });
});

describe("effects made between two commits", () => {
  it("are recorded when the execution stops before its next commit (a lost lease): the next one sends nothing twice", async () => {
    const wf = workflowFrom(`
name: Tell twice
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: tell
    type: action
    action: { kind: notify, parameters: { channel: "#ops" } }
    next: [check]
  - id: check
    type: decision
    next: { when: [{ if: "pullRequest.number == 5", then: [after] }] }
  - id: after
    type: action
    action: { kind: notify, parameters: { channel: "#ops", message: "second" } }
    next: []
`);
    await seedRun(store, wf, clock);
    const sent: string[] = [];
    const stop = new AbortController();
    const notifier = new RecordingNotifier((c) => c === "#ops");
    notifier.send = async (channel, message) => {
      sent.push(`${channel} ${message.text}`);
      // The worker loses the job's lease right after the first message went out.
      stop.abort(new Error("the job's lease was lost"));
    };
    const deps = { ...engineDeps(store, clock, undefined, notifier), signal: stop.signal };
    await expect(resume(deps, "run-1")).rejects.toThrow(/stopped at a step boundary/);
    expect(sent).toHaveLength(1);
    // The step's outcome was not committed, but its message was recorded.
    expect((await store.getRun("run-1"))!.steps.map((s) => [s.stepId, s.status])).toEqual([["tell", "running"]]);

    const again = new RecordingNotifier((c) => c === "#ops");
    again.send = async (channel, message) => void sent.push(`${channel} ${message.text}`);
    const { run } = await resume(engineDeps(store, clock, undefined, again), "run-1");
    expect(run.status).toBe("succeeded");
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe("#ops second");
  });
});

describe("wait steps", () => {
  const WAIT = workflowFrom(`
name: Wait a day
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: pause
    type: wait
    wait: { duration: 24h }
  - id: nudge
    type: action
    action: { kind: notify, parameters: { comment: "a day later" } }
`);

  it("holds a durable timer across a restart and fires on time", async () => {
    await seedRun(store, WAIT, clock);
    const first = await resume(engineDeps(store, clock), "run-1");
    expect(first.run.status).toBe("running");
    expect(first.wakeAt?.toISOString()).toBe("2026-11-27T09:00:00.000Z");
    expect(first.run.steps[0]).toMatchObject({ stepId: "pause", status: "waiting", waiting: { kind: "timer", until: "2026-11-27T09:00:00.000Z" } });

    // A restart before the time: a new process, the same store; nothing happens yet.
    clock.advance(23 * HOUR);
    const github = new FakeGitHub();
    const early = await resume(engineDeps(store, clock, github), "run-1");
    expect(early.run.status).toBe("running");
    expect(github.comments).toHaveLength(0);

    clock.advance(HOUR);
    const due = await resume(engineDeps(store, clock, github), "run-1");
    expect(due.run.status).toBe("succeeded");
    expect(due.run.steps[0]).toMatchObject({ status: "succeeded", outcome: "done" });
    expect(github.comments).toHaveLength(1);
  });

  it("fires at once a timer that fell due while the app was down", async () => {
    await seedRun(store, WAIT, clock);
    await resume(engineDeps(store, clock), "run-1");
    clock.advance(72 * HOUR);
    expect((await resume(engineDeps(store, clock), "run-1")).run.status).toBe("succeeded");
  });

  it("waits for the issue it opened to close, with a timeout routed through next", async () => {
    const wf = workflowFrom(`
name: Until closed
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: open
    type: action
    action: { kind: createIssue, parameters: { title: "Fix it" } }
  - id: closed
    type: wait
    wait: { for: issueClosed, timeout: 7d }
    next: { done: [thanks], timedOut: [overdue] }
  - id: thanks
    type: action
    action: { kind: notify, parameters: { comment: "thanks" } }
    next: []
  - id: overdue
    type: action
    action: { kind: notify, parameters: { comment: "overdue" } }
    next: []
`);
    await seedRun(store, wf, clock);
    const deps = engineDeps(store, clock);
    const waiting = await resume(deps, "run-1");
    expect(waiting.run.steps[1]).toMatchObject({ status: "waiting", waiting: { kind: "event", event: "issueClosed", target: "acme/api#1" } });
    expect(waiting.wakeAt?.toISOString()).toBe("2026-12-03T09:00:00.000Z");

    const other = await applySignal(signalDelivery("s1"), { type: "issueClosed", repository: "acme/api", number: 99, at: clock.now().toISOString() }, deps.github, deps);
    expect(other).toEqual([]);
    const woken = await applySignal(signalDelivery("s2"), { type: "issueClosed", repository: "acme/api", number: 1, at: clock.now().toISOString() }, deps.github, deps);
    expect(woken).toEqual(["run-1"]);
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.stepId)).toEqual(["open", "closed", "thanks"]);
  });

  it("takes the timedOut route when the event does not come", async () => {
    const wf = workflowFrom(`
name: Until closed
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: open
    type: action
    action: { kind: createIssue }
  - id: closed
    type: wait
    wait: { for: issueClosed, timeout: 1d }
    next: { timedOut: [overdue] }
  - id: overdue
    type: action
    action: { kind: notify, parameters: { comment: "overdue" } }
    next: []
`);
    await seedRun(store, wf, clock);
    await resume(engineDeps(store, clock), "run-1");
    clock.advance(25 * HOUR);
    const { run } = await resume(engineDeps(store, clock), "run-1");
    expect(run.steps.map((s) => [s.stepId, s.outcome ?? s.status])).toEqual([
      ["open", "succeeded"],
      ["closed", "timedOut"],
      ["overdue", "succeeded"],
    ]);
  });
});

describe("approval steps", () => {
  const SIGN_OFF = (extra = "") => `
name: Sign-off
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: sign-off
    type: approval
    approval: { approvers: ["@acme/security", "lead"], minApprovals: 2, timeout: 72h${extra} }
    next: { approved: [ship], rejected: [explain], timedOut: [explain] }
  - id: ship
    type: action
    action: { kind: notify, parameters: { comment: "approved by \${{ steps['sign-off'].outputs.by }}" } }
    next: []
  - id: explain
    type: action
    action: { kind: notify, parameters: { comment: "\${{ steps['sign-off'].outputs.outcome }}" } }
    next: []
`;

  it("counts only listed approvers and team members, never the author, and shows action_required", async () => {
    await seedRun(store, workflowFrom(SIGN_OFF()), clock);
    const github = new FakeGitHub();
    github.teams["acme/security"] = ["alice"];
    const deps = engineDeps(store, clock, github);
    const waiting = await resume(deps, "run-1");
    expect(waiting.run.status).toBe("running");
    expect(github.checkUpdates.at(-1)).toMatchObject({ status: "completed", conclusion: "action_required", actions: [{ identifier: "approve" }, { identifier: "reject" }, { identifier: "cancel" }] });
    expect(github.checkUpdates.at(-1)!.output!.title).toBe('Waiting for approval at step "sign-off" (0 of 2)');

    await applySignal(signalDelivery("c1"), approve("author"), github, deps);
    await applySignal(signalDelivery("c2"), approve("mallory"), github, deps);
    await applySignal(signalDelivery("c3"), approve("alice", "approve", 99), github, deps); // another pull request
    await applySignal(signalDelivery("c4"), approve("alice"), github, deps);
    let run = (await store.getRun("run-1"))!;
    expect(run.steps[0]!.waiting).toMatchObject({ kind: "approval", votes: [{ actor: "alice", decision: "approve", via: "comment" }] });
    expect(run.log.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        "step sign-off: ignored /approve from author: the author of a pull request cannot approve their own change",
        "step sign-off: ignored /approve from mallory: not one of the approvers (@acme/security, lead)",
        "step sign-off: approved by alice (comment)",
      ]),
    );

    await applySignal(signalDelivery("c5"), approve("Lead"), github, deps);
    run = (await resume(deps, "run-1")).run;
    expect(run.status).toBe("succeeded");
    expect(run.steps[0]).toMatchObject({ outcome: "approved", outputs: { by: "alice, Lead" } });
    expect(github.comments[0]!.body).toMatch(/^approved by alice, Lead/);
    expect(github.checkUpdates.at(-1)).toMatchObject({ status: "completed", conclusion: "success", actions: [] });
    expect(github.checkUpdates.at(-1)!.output!.summary).toContain("| sign-off | ✅ approved | @alice |");
  });

  it("routes a rejection, and a timeout", async () => {
    await seedRun(store, workflowFrom(SIGN_OFF()), clock, undefined, "run-1");
    await seedRun(store, workflowFrom(SIGN_OFF()), clock, undefined, "run-2");
    const github = new FakeGitHub();
    const deps = engineDeps(store, clock, github);
    await resume(deps, "run-1");
    await resume(deps, "run-2");
    await applySignal(signalDelivery("r1"), { type: "approval", decision: "reject", actor: "lead", at: clock.now().toISOString(), via: "checkRun", runId: "run-1" }, github, deps);
    expect((await resume(deps, "run-1")).run.steps.map((s) => s.outcome ?? s.status)).toEqual(["rejected", "succeeded"]);
    clock.advance(73 * HOUR);
    expect((await resume(deps, "run-2")).run.steps.map((s) => s.outcome ?? s.status)).toEqual(["timedOut", "succeeded"]);
    expect(github.comments.map((c) => c.body.split("\n")[0])).toEqual(["rejected", "timedOut"]);
  });

  it("fails the run when a rejection has nowhere to go", async () => {
    const wf = workflowFrom(`
name: Strict
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: ok
    type: approval
    approval: { approvers: [lead] }
  - id: ship
    type: action
    action: { kind: notify, parameters: { comment: "shipped" } }
`);
    await seedRun(store, wf, clock);
    const deps = engineDeps(store, clock);
    await resume(deps, "run-1");
    await applySignal(signalDelivery("r1"), approve("lead", "reject"), deps.github, deps);
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("failed");
    expect(run.steps[0]).toMatchObject({ status: "failed", outcome: "rejected", error: "rejected: the approval was rejected" });
  });
});

describe("retries and cancellation", () => {
  it("retries a transient failure with backoff, then gives up with the last error", async () => {
    const wf = workflowFrom(`
name: Flaky
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: tell
    type: action
    retry: { maxAttempts: 3, backoff: 1m }
    action: { kind: notify, parameters: { channel: "#ops" } }
`);
    await seedRun(store, wf, clock);
    let failures = 0;
    const notifier = new RecordingNotifier();
    notifier.send = async () => {
      failures++;
      throw Object.assign(new Error(`server error ${failures}`), { retryable: true });
    };
    const deps = engineDeps(store, clock, new FakeGitHub(), notifier);
    const first = await resume(deps, "run-1");
    expect(first.wakeAt?.toISOString()).toBe("2026-11-26T09:01:00.000Z");
    clock.advance(60_000);
    const second = await resume(deps, "run-1");
    expect(second.wakeAt?.toISOString()).toBe("2026-11-26T09:03:00.000Z");
    clock.advance(120_000);
    const { run } = await resume(deps, "run-1");
    expect(failures).toBe(3);
    expect(run.status).toBe("failed");
    expect(run.steps[0]).toMatchObject({ status: "failed", tries: 3, error: "server error 3" });
    expect(run.log.map((l) => l.message)).toContain("step tell failed after 3 tries: server error 3");
  });

  it("does not retry a failure that cannot pass", async () => {
    const wf = workflowFrom(`
name: Broken
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: tell
    type: action
    retry: { maxAttempts: 5 }
    action: { kind: notify, parameters: { channel: "#nowhere" } }
`);
    await seedRun(store, wf, clock);
    const { run } = await resume(engineDeps(store, clock, new FakeGitHub(), new RecordingNotifier(() => false)), "run-1");
    expect(run.status).toBe("failed");
    expect(run.steps[0]!.tries).toBe(1);
  });

  it("cancels a waiting run, and a run between steps, saying so", async () => {
    const wf = workflowFrom(`
name: Slow
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: pause
    type: wait
    wait: { duration: 1h }
  - id: after
    type: action
    action: { kind: notify, parameters: { comment: "too late" } }
`);
    await seedRun(store, wf, clock);
    const github = new FakeGitHub();
    const deps = engineDeps(store, clock, github);
    await resume(deps, "run-1");
    expect(await applySignal(signalDelivery("x"), { type: "cancel", actor: "lead", at: clock.now().toISOString(), runId: "run-1", via: "checkRun" }, github, deps)).toEqual(["run-1"]);
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("cancelled");
    expect(run.steps[0]!.status).toBe("cancelled");
    expect(run.log.map((l) => l.message)).toEqual(expect.arrayContaining(["cancel requested by lead (checkRun)", "run cancelled by lead at a step boundary"]));
    expect(github.checkUpdates.at(-1)).toMatchObject({ conclusion: "cancelled" });
    expect(github.comments).toHaveLength(0);
  });

  it("ignores a cancel from someone without write access", async () => {
    const wf = workflowFrom(`
name: Slow
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: pause
    type: wait
    wait: { duration: 1h }
`);
    await seedRun(store, wf, clock);
    const github = new FakeGitHub();
    github.permissions.visitor = "read";
    const deps = engineDeps(store, clock, github);
    await resume(deps, "run-1");
    expect(await applySignal(signalDelivery("x"), { type: "cancel", actor: "visitor", at: clock.now().toISOString(), runId: "run-1", via: "checkRun" }, github, deps)).toEqual([]);
    const run = (await store.getRun("run-1"))!;
    expect(run.cancelRequested).toBeUndefined();
    expect(run.log.map((l) => l.message)).toContain("ignored a cancel from visitor: cancelling needs write access");
  });
});
