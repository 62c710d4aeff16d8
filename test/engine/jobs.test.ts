import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/actions/index.js";
import { silentLogger, type Store } from "../../src/domain/ports.js";
import { engineGiveUps, engineJobs } from "../../src/engine/jobs.js";
import { WorkflowSource } from "../../src/engine/workflow-source.js";
import { checkRunReporter } from "../../src/github/check-reporter.js";
import { RecordingNotifier } from "../../src/github/recording-port.js";
import { Worker } from "../../src/queue/worker.js";
import { openStore } from "../../src/store/open-store.js";
import { FakeClock, REPOSITORY, seedRun, workflowFrom } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";

let store: Store;
const clock = new FakeClock();
beforeEach(async () => (store = await openStore("sqlite::memory:")));
afterEach(async () => store.close());

/** The engine's dependencies over the test store, with `github` behind every installation. */
function engineDeps(github: FakeGitHub) {
  return {
    store,
    clock,
    log: silentLogger,
    source: new WorkflowSource(),
    notifier: new RecordingNotifier(),
    actions: ACTIONS,
    githubFor: async () => github,
    reportValidation: async () => {},
    reporterFor: () => checkRunReporter(github, REPOSITORY, { store, clock }),
  };
}

describe("the run job", () => {
  it("ends a run as failed, saying why, when its job fails its last attempt", async () => {
    const wf = workflowFrom("name: X\nversion: 1.0.0\ntriggers: [{ type: onPR }]\nsteps:\n  - id: a\n    type: action\n    action: { kind: notify, parameters: { comment: true } }\n");
    const seeded = await seedRun(store, wf, clock);
    // A run pointing at a trigger its delivery does not have cannot go on, however often it is tried.
    const run = { ...seeded.run, id: "run-broken", dedupeKey: "broken", triggerIndex: 3 };
    await store.createRun(run);
    const github = new FakeGitHub();
    const deps = engineDeps(github);
    const jobs = engineJobs(deps);
    const worker = new Worker({ store, clock, backoff: () => 1_000, handlers: { run: jobs.run!, delivery: async () => {} }, onGiveUp: engineGiveUps(deps) });
    await store.enqueue({ type: "run", payload: { runId: run.id }, runAt: clock.now(), maxAttempts: 3 });
    await worker.drain();
    // Failed attempts leave the run as it was: only the last one ends it.
    expect((await store.getRun(run.id))!.status).toBe("pending");
    for (let i = 0; i < 2; i++) {
      clock.advance(1_000);
      await worker.drain();
    }
    const failed = (await store.getRun(run.id))!;
    expect(failed.status).toBe("failed");
    expect(failed.log.at(-1)!.message).toMatch(/^run failed: the job was given up: .*has no trigger 3 \(gave up after 3 attempts\)/);
    expect(await store.claimJob("w", clock.now(), 1_000)).toBeUndefined();
  });

  it("ends a run as failed, with its check run completed, when its job kept stopping the worker (a poison job)", async () => {
    const wf = workflowFrom("name: X\nversion: 1.0.0\ntriggers: [{ type: onPR }]\nsteps:\n  - id: a\n    type: action\n    action: { kind: notify, parameters: { comment: true } }\n");
    const { run } = await seedRun(store, wf, clock);
    const github = new FakeGitHub();
    const deps = engineDeps(github);
    // The run had started and shown its check run before its job began to kill the worker.
    expect((await store.commitRun({ ...run, version: 1, status: "running", checkRunId: 7 })).committed).toBe(true);
    // The seeded delivery's own job is done first: only the run job is left to claim.
    await new Worker({ store, clock, handlers: { delivery: async () => {} } }).drain();
    let ran = 0;
    const worker = new Worker({ store, clock, maxAttempts: 2, leaseMs: 1_000, handlers: { run: async () => void ran++, delivery: async () => {} }, onGiveUp: engineGiveUps(deps) });
    await store.enqueue({ type: "run", payload: { runId: run.id }, runAt: clock.now() });
    // Two workers took the job and died with it (killed, or stalled until restarted).
    await store.claimJob("dead-1", clock.now(), 1_000);
    clock.advance(1_001);
    await store.claimJob("dead-2", clock.now(), 1_000);
    clock.advance(1_001);
    await worker.drain();
    expect(ran).toBe(0);
    const failed = (await store.getRun(run.id))!;
    expect(failed.status).toBe("failed");
    expect(failed.log.at(-1)!.message).toMatch(/^run failed: the job was given up: gave up after 2 attempts that never finished/);
    expect(github.checkUpdates.at(-1)).toMatchObject({ id: 7, conclusion: "failure" });
    expect(await store.claimJob("w", clock.now(), 1_000)).toBeUndefined();
  });
});

describe("the delivery job", () => {
  const TWO_COMMENTS = `name: Two comments
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: first
    type: action
    action: { kind: notify, parameters: { comment: "one" } }
    next: [second]
  - id: second
    type: action
    action: { kind: notify, parameters: { comment: "two" } }
    next: []
`;

  /** A GitHub whose default branch serves one workflow; `onComment` sees each comment as it is made. */
  class PolicyGitHub extends FakeGitHub {
    onComment: (n: number) => Promise<void> | void = () => {};
    override async readGovernanceFolder() {
      return { commit: "c".repeat(40), treeOid: "t1", files: [{ path: ".governance/two.yml", oid: "b1", byteSize: TWO_COMMENTS.length, text: TWO_COMMENTS }] };
    }
    override async createComment(...args: Parameters<FakeGitHub["createComment"]>) {
      const made = await super.createComment(...args);
      await this.onComment(this.comments.length);
      return made;
    }
  }

  async function deliverPullRequest(id: string) {
    await store.acceptDelivery({
      id,
      event: "pull_request",
      action: "opened",
      installationId: 1,
      repository: REPOSITORY,
      triggers: [{ kind: "pullRequest", action: "opened", pullRequest: { number: 5, title: "t", author: "octocat", headSha: "f".repeat(40), baseRef: "main", headRef: "feature", draft: false, labels: [], url: "https://github.com/acme/api/pull/5" } }],
      payload: {},
      receivedAt: clock.now().toISOString(),
    });
  }

  it("executes the run it created in its own slot: no run job is queued, claimed or finished", async () => {
    const github = new PolicyGitHub();
    const jobs = engineJobs(engineDeps(github));
    const claimed: string[] = [];
    const worker = new Worker({ store, clock, handlers: { delivery: jobs.delivery!, run: jobs.run!, validate: jobs.validate! } });
    const spied = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "claimJobs") return async (...args: Parameters<Store["claimJobs"]>) => ((await target.claimJobs(...args)).map((j) => (claimed.push(j.type), j)));
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await deliverPullRequest("pr-1");
    // (An opened pull request also gets its .governance/ edits validated: a job of its own.)
    expect(await new Worker({ store: spied, clock, handlers: { delivery: jobs.delivery!, run: jobs.run!, validate: jobs.validate! } }).drain()).toBe(2);
    expect(claimed.sort()).toEqual(["delivery", "validate"]);
    const [run] = await store.listRuns();
    expect(run).toMatchObject({ status: "succeeded", deliveryId: "pr-1" });
    expect(github.comments.map((c) => c.body.split("\n")[0])).toEqual(["one", "two"]);
    expect(await worker.drain()).toBe(0);
  });

  it("holds the run while it executes it: a job of the run (a signal's continuation) waits for it", async () => {
    const github = new PolicyGitHub();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inFirstComment = new Promise<void>((r) => (entered = r));
    github.onComment = async (n) => {
      if (n !== 1) return;
      entered();
      await released;
    };
    const jobs = engineJobs(engineDeps(github));
    await deliverPullRequest("pr-2");
    const worker = new Worker({ store, clock, workerId: "w1", concurrency: 1, handlers: { delivery: jobs.delivery!, run: jobs.run!, validate: async () => {} } });
    const draining = worker.drain();
    await inFirstComment;
    const [run] = await store.listRuns();
    await store.enqueue({ type: "run", payload: { runId: run!.id }, runAt: clock.now(), concurrencyKey: run!.id, key: "continuation" });
    // Another worker cannot take the run's job while the delivery job executes the run.
    expect((await store.claimJobs("w2", clock.now(), 60_000, 10)).map((j) => j.type)).not.toContain("run");
    release();
    // The delivery job ends the run; then its continuation runs (in the same drain) and finds nothing left to do.
    expect(await draining).toBe(2);
    expect((await store.getRun(run!.id))!.status).toBe("succeeded");
    expect(github.comments).toHaveLength(2);
    expect(await store.claimJob("w2", clock.now(), 60_000)).toBeUndefined();
  });

  it("died between its run's end and the check run's update: its next attempt shows the end", async () => {
    const github = new PolicyGitHub();
    const deps = engineDeps(github);
    await deliverPullRequest("pr-4");
    const job = (await store.claimJob("w1", clock.now(), 60_000))!;
    const context = { signal: new AbortController().signal, workerId: "w1", holdsLease: async () => true };
    // The first attempt's process dies as it goes to complete the check run.
    const dying = { ...deps, reporterFor: () => ({ ...deps.reporterFor(), finished: async () => {} }) };
    await engineJobs(dying).delivery!(job, context);
    expect(github.checkUpdates.filter((u) => u.status === "completed")).toHaveLength(0);
    // Its lease ran out; the next attempt finds the run finished and shows it.
    clock.advance(60_001);
    const again = (await store.claimJob("w2", clock.now(), 60_000))!;
    expect(again).toMatchObject({ id: job.id, attempts: 2 });
    await engineJobs(deps).delivery!(again, { ...context, workerId: "w2" });
    expect(github.checkUpdates.filter((u) => u.status === "completed")).toEqual([expect.objectContaining({ conclusion: "success" })]);
    expect(github.comments).toHaveLength(2);
  });

  it("dies in the middle of its run: its next attempt queues the run's job, and every step runs once", async () => {
    const github = new PolicyGitHub();
    const jobs = engineJobs(engineDeps(github));
    await deliverPullRequest("pr-3");
    const job = (await store.claimJob("w1", clock.now(), 60_000))!;
    const abort = new AbortController();
    // The first comment is made, then the worker loses the job (it stalled, or its process is going away).
    github.onComment = (n) => {
      if (n === 1) abort.abort(new Error("lease lost"));
    };
    await expect(jobs.delivery!(job, { signal: abort.signal, workerId: "w1", holdsLease: async () => !abort.signal.aborted })).rejects.toThrow(/stopped at a step boundary/);
    github.onComment = () => {};
    const [run] = await store.listRuns();
    expect(run!.status).toBe("running");
    // The job's next attempt, on another worker: the run exists, so it is queued, not held.
    clock.advance(60_001);
    const worker = new Worker({ store, clock, workerId: "w2", handlers: { delivery: jobs.delivery!, run: jobs.run!, validate: async () => {} } });
    expect(await worker.drain()).toBe(3);
    expect((await store.getRun(run!.id))!.status).toBe("succeeded");
    expect(github.comments.map((c) => c.body.split("\n")[0])).toEqual(["one", "two"]);
  });
});
