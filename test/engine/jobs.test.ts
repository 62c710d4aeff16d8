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
