/**
 * runRemediation: the dispatch (default branch, inputs checked, refusals not retried, never
 * repeated after an interruption), the durable wait for the dispatched run (by id, or matched by
 * workflow, event, actor and time where GitHub does not say), and the routing of its outcome.
 */
import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Delivery, Signal } from "../../src/domain/events.js";
import type { Store } from "../../src/domain/ports.js";
import { applySignal } from "../../src/engine/signals.js";
import { workflowRunTriggers } from "../../src/handlers/workflow-run.js";
import { openStore } from "../../src/store/open-store.js";
import { loadWorkflow } from "../../src/workflows/load.js";
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

const FIX = (extra = "", next = "next: { success: [done], failure: [escalate], timedOut: [escalate] }") =>
  workflowFrom(`
name: Fix it
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: fix
    type: action
    action:
      kind: runRemediation
      parameters:
        workflow: fix.yml
        inputs: { severity: high, dry: false, count: 3 }
        timeout: 2h
${extra}
    ${next}
  - id: done
    type: action
    action: { kind: notify, parameters: { comment: "fixed by \${{ steps.fix.outputs.runUrl }}" } }
    next: []
  - id: escalate
    type: action
    action: { kind: notify, parameters: { comment: "needs a person: \${{ steps.fix.outputs.outcome }}" } }
    next: []
`);

const delivery = (id: string, repository = REPOSITORY): Delivery => ({ id, event: "workflow_run", action: "completed", installationId: 1, repository, triggers: [], payload: {}, receivedAt: clock.now().toISOString() });

function workflowRun(changes: Partial<Extract<Signal, { type: "workflowRun" }>> = {}): Signal {
  return {
    type: "workflowRun",
    runId: 5001,
    workflowPath: ".github/workflows/fix.yml",
    event: "workflow_dispatch",
    actor: "governance[bot]",
    createdAt: clock.now().toISOString(),
    status: "completed",
    conclusion: "success",
    url: "https://github.com/acme/api/actions/runs/5001",
    at: clock.now().toISOString(),
    ...changes,
  };
}

describe("runRemediation dispatches", () => {
  it("on the default branch, with its inputs as text, and waits for the run GitHub names", async () => {
    await seedRun(store, FIX(), clock);
    const deps = engineDeps(store, clock);
    const { run, wakeAt } = await resume(deps, "run-1");
    expect(deps.github.dispatches).toEqual([{ repo: "acme/api", workflow: "fix.yml", ref: "main", inputs: { severity: "high", dry: "false", count: "3" } }]);
    expect(run.status).toBe("running");
    expect(run.steps[0]).toMatchObject({
      status: "waiting",
      outputs: { runId: 5001, runUrl: "https://github.com/acme/api/actions/runs/5001", ref: "main" },
      waiting: { kind: "event", event: "workflowRunCompleted", target: "run:acme/api:5001", timeoutAt: "2026-11-26T11:00:00.000Z" },
    });
    expect(wakeAt?.toISOString()).toBe("2026-11-26T11:00:00.000Z");
  });

  it("checks the inputs against the workflow's declared ones and refuses before dispatching", async () => {
    const github = new FakeGitHub();
    github.workflowInputs["fix.yml"] = { severity: { type: "choice", options: ["low", "critical"] }, ticket: { required: true }, dry: { type: "boolean" } };
    await seedRun(store, FIX(), clock);
    const { run } = await resume(engineDeps(store, clock, github), "run-1");
    expect(github.dispatches).toEqual([]);
    expect(run.status).toBe("failed");
    expect(run.steps[0]!.error).toBe(
      "the inputs do not fit fix.yml: count is not an input of fix.yml (it declares severity, ticket, dry); severity must be one of low, critical, not \"high\"; ticket is required by fix.yml",
    );
  });

  it("fails at once, without retrying, when GitHub refuses the dispatch (404, 422), with GitHub's message", async () => {
    const github = new FakeGitHub();
    let calls = 0;
    github.dispatchWorkflow = async () => {
      calls++;
      throw Object.assign(new Error("Not Found - https://docs.github.com/rest/actions/workflows"), { status: 404, response: { data: { message: "Not Found" } } });
    };
    await seedRun(store, FIX("    retry: { maxAttempts: 3, backoff: 1s }"), clock);
    const { run } = await resume(engineDeps(store, clock, github), "run-1");
    expect(calls).toBe(1);
    expect(run.status).toBe("failed");
    expect(run.steps[0]!.error).toBe("GitHub refused to dispatch fix.yml in acme/api (HTTP 404): Not Found");
  });

  it("never dispatches twice: an attempt cut off after the dispatch is not repeated, and its run is recognised when it reports", async () => {
    const github = new FakeGitHub();
    github.failAfterWrite = true; // the dispatch took effect, then the answer was lost (502)
    await seedRun(store, FIX("    retry: { maxAttempts: 3, backoff: 1s }"), clock);
    const deps = engineDeps(store, clock, github);
    await resume(deps, "run-1");
    clock.advance(2_000);
    const { run } = await resume(deps, "run-1");
    expect(github.dispatches).toHaveLength(1);
    expect(run.steps[0]).toMatchObject({ status: "waiting", waiting: { target: "dispatch:acme/api:.github/workflows/fix.yml", dispatch: { workflowPath: ".github/workflows/fix.yml" } } });
    expect(run.log.some((l) => l.message.includes("not dispatching again"))).toBe(true);
  });

  it("dispatches in another repository of the owner on that repository's default branch, and hears that repository's runs", async () => {
    const github = new FakeGitHub();
    github.getDefaultBranch = (async (repo: { repo: string }) => (repo.repo === "ops" ? "trunk" : "main")) as FakeGitHub["getDefaultBranch"];
    const wf = workflowFrom(`
name: Fix elsewhere
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: fix
    type: action
    action: { kind: runRemediation, parameters: { workflow: fix.yml, repository: ops } }
`);
    await seedRun(store, wf, clock, undefined, "run-2");
    const deps = engineDeps(store, clock, github);
    await resume(deps, "run-2");
    expect(github.dispatches.at(-1)).toMatchObject({ repo: "acme/ops", ref: "trunk" });
    const ops = { ...REPOSITORY, id: 8, name: "ops", fullName: "acme/ops", url: "https://github.com/acme/ops" };
    // The run of acme/ops ends the wait of a run of acme/api; the same run id elsewhere does not.
    expect(await applySignal(delivery("w0"), workflowRun({ runId: github.dispatches.length + 5000 }), github, deps)).toEqual([]);
    expect(await applySignal(delivery("w1", ops), workflowRun({ runId: github.dispatches.length + 5000 }), github, deps)).toEqual(["run-2"]);
    expect((await resume(deps, "run-2")).run.status).toBe("succeeded");
  });
});

describe("the dispatched run's outcome", () => {
  it("success routes to `success`, and the step's outputs carry the conclusion", async () => {
    await seedRun(store, FIX(), clock);
    const deps = engineDeps(store, clock);
    await resume(deps, "run-1");
    expect(await applySignal(delivery("w1"), workflowRun({ runId: 999 }), deps.github, deps)).toEqual([]);
    expect(await applySignal(delivery("w2"), workflowRun({ status: "in_progress", conclusion: undefined }), deps.github, deps)).toEqual([]);
    expect(await applySignal(delivery("w3"), workflowRun(), deps.github, deps)).toEqual(["run-1"]);
    const { run } = await resume(deps, "run-1");
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => [s.stepId, s.outcome ?? s.status])).toEqual([
      ["fix", "success"],
      ["done", "succeeded"],
    ]);
    expect(run.steps[0]!.outputs).toMatchObject({ conclusion: "success", runId: 5001 });
    expect(deps.github.comments[0]!.body).toContain("fixed by https://github.com/acme/api/actions/runs/5001");
  });

  it("any other conclusion routes to `failure`; without a route for it the step fails", async () => {
    await seedRun(store, FIX(), clock);
    const deps = engineDeps(store, clock);
    await resume(deps, "run-1");
    await applySignal(delivery("w1"), workflowRun({ conclusion: "cancelled" }), deps.github, deps);
    const { run } = await resume(deps, "run-1");
    expect(run.steps.map((s) => [s.stepId, s.outcome ?? s.status])).toEqual([
      ["fix", "failure"],
      ["escalate", "succeeded"],
    ]);
    expect(deps.github.comments[0]!.body).toContain("needs a person: failure");
    expect(run.steps[0]!.outputs).toMatchObject({ conclusion: "cancelled", outcome: "failure" });

    await seedRun(store, FIX("", "next: [done]"), clock, undefined, "run-2");
    const github = new FakeGitHub();
    const other = engineDeps(store, clock, github);
    await resume(other, "run-2");
    await applySignal(delivery("w2"), workflowRun({ runId: 5001, conclusion: "failure" }), github, other);
    const failed = (await resume(other, "run-2")).run;
    expect(failed.status).toBe("failed");
    expect(failed.steps[0]!.error).toBe("failure: the dispatched run did not succeed");
  });

  it("a run that does not complete in time routes to `timedOut`", async () => {
    await seedRun(store, FIX(), clock);
    const deps = engineDeps(store, clock);
    await resume(deps, "run-1");
    clock.advance(2 * HOUR + 1);
    const { run } = await resume(deps, "run-1");
    expect(run.steps.map((s) => [s.stepId, s.outcome ?? s.status])).toEqual([
      ["fix", "timedOut"],
      ["escalate", "succeeded"],
    ]);
  });
});

describe("where GitHub does not name the run (GitHub Enterprise Server)", () => {
  it("takes the first workflow_dispatch run of the workflow by a bot created since the dispatch, says how it matched, and binds it to one step only", async () => {
    const github = new FakeGitHub();
    github.dispatchAnswer = {};
    await seedRun(store, FIX(), clock);
    await seedRun(store, FIX(), clock, undefined, "run-2");
    const deps = engineDeps(store, clock, github);
    await resume(deps, "run-1");
    await resume(deps, "run-2");
    const early = new Date(clock.now().getTime() - 10 * 60_000).toISOString();
    const requested = { status: "queued", conclusion: undefined };
    expect(await applySignal(delivery("w1"), workflowRun({ ...requested, event: "push" }), github, deps)).toEqual([]);
    expect(await applySignal(delivery("w2"), workflowRun({ ...requested, actor: "octocat" }), github, deps)).toEqual([]);
    // Another app's dispatch of the same workflow: its bot is not this app's (learnt from the run's check run).
    expect(await applySignal(delivery("w2b"), workflowRun({ ...requested, actor: "other-app[bot]" }), github, deps)).toEqual([]);
    expect((await store.getRun("run-1"))!.steps[0]!.waiting).toMatchObject({ dispatch: { actor: "governance[bot]" } });
    expect(await applySignal(delivery("w3"), workflowRun({ ...requested, createdAt: early }), github, deps)).toEqual([]);
    expect(await applySignal(delivery("w4"), workflowRun({ ...requested, workflowPath: ".github/workflows/other.yml" }), github, deps)).toEqual([]);

    expect(await applySignal(delivery("w5"), workflowRun({ ...requested, runId: 77 }), github, deps)).toEqual(["run-1"]);
    const bound = (await store.getRun("run-1"))!;
    expect(bound.steps[0]).toMatchObject({ status: "waiting", outputs: { runId: 77 }, waiting: { target: "run:acme/api:77" } });
    expect(bound.steps[0]!.waiting).not.toHaveProperty("dispatch");
    expect(bound.log.at(-1)!.message).toMatch(/run 77 of \.github\/workflows\/fix\.yml is taken to be the one dispatched: matched by workflow, event workflow_dispatch, actor governance\[bot\] and creation time/);
    // Run 77's later events are run-1's alone; the next run of the workflow is run-2's.
    expect(await applySignal(delivery("w6"), workflowRun({ runId: 77 }), github, deps)).toEqual(["run-1"]);
    expect(await applySignal(delivery("w7"), workflowRun({ runId: 78, conclusion: "failure" }), github, deps)).toEqual(["run-2"]);
    expect((await resume(deps, "run-1")).run.steps.map((s) => s.outcome ?? s.status)).toEqual(["success", "succeeded"]);
    expect((await resume(deps, "run-2")).run.steps.map((s) => s.outcome ?? s.status)).toEqual(["failure", "succeeded"]);
  });
});

describe("several unnamed dispatches of one workflow", () => {
  it("the first run to report goes to the earliest dispatch", async () => {
    const github = new FakeGitHub();
    github.dispatchAnswer = {};
    await seedRun(store, FIX(), clock);
    await seedRun(store, FIX(), clock, undefined, "run-2");
    const deps = engineDeps(store, clock, github);
    await resume(deps, "run-2");
    clock.advance(60_000);
    await resume(deps, "run-1");
    expect(await applySignal(delivery("w1"), workflowRun({ runId: 80, status: "queued", conclusion: undefined }), github, deps)).toEqual(["run-2"]);
    expect(await applySignal(delivery("w2"), workflowRun({ runId: 81, status: "queued", conclusion: undefined }), github, deps)).toEqual(["run-1"]);
  });
});

describe("validation and the webhook", () => {
  it("only runRemediation routes on outcomes, and it takes no ref (the default branch only)", () => {
    const onCreate = loadWorkflow("x.yml", `name: X\nversion: 1.0.0\ntriggers: [{ type: onPR }]\nsteps:\n  - id: a\n    type: action\n    action: { kind: createIssue }\n    next: { success: [] }\n`);
    expect(onCreate.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining("only a runRemediation step routes on outcomes")]);
    const withRef = loadWorkflow("x.yml", `name: X\nversion: 1.0.0\ntriggers: [{ type: onPR }]\nsteps:\n  - id: a\n    type: action\n    action: { kind: runRemediation, parameters: { workflow: fix.yml, ref: "\${{ pullRequest.headRef }}" } }\n`);
    expect(withRef.diagnostics[0]).toMatchObject({ pointer: "/steps/0/action/parameters/ref" });
  });

  it("maps a real workflow_run webhook to the signal", () => {
    const payload = (examples as unknown as Array<{ name: string; examples: any[] }>).find((d) => d.name === "workflow_run")!.examples[1];
    expect(workflowRunTriggers("completed", payload, new Date())).toEqual([
      {
        kind: "signal",
        signal: expect.objectContaining({ type: "workflowRun", runId: payload.workflow_run.id, workflowPath: ".github/workflows/test.yml", event: "repository_dispatch", status: "completed", conclusion: "success", url: payload.workflow_run.html_url }),
      },
    ]);
  });
});
