import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ACTIONS } from "../../src/actions/index.js";
import type { Delivery, Signal, TriggerEvent } from "../../src/domain/events.js";
import { silentLogger, type GitHubPort, type Job, type RepoRef, type RunReporter, type Store } from "../../src/domain/ports.js";
import type { Run } from "../../src/domain/run.js";
import type { Workflow } from "../../src/domain/workflow.js";
import { engineJobs, type EngineDeps } from "../../src/engine/jobs.js";
import { runJob } from "../../src/engine/runner.js";
import { applySignal } from "../../src/engine/signals.js";
import { WorkflowSource } from "../../src/engine/workflow-source.js";
import { checkRunReporter } from "../../src/github/check-reporter.js";
import { RecordingNotifier } from "../../src/github/recording-port.js";
import { Worker, type JobHandler } from "../../src/queue/worker.js";
import { openStore } from "../../src/store/open-store.js";
import { engineDeps, FakeClock, PR_TRIGGER, REPOSITORY, resume, seedRun, workflowFrom } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";

/**
 * Races between a run's writers: the runner, signals (votes, cancels, closed issues), and the
 * workers that hand its jobs out. Every interleaving here is forced, not hoped for: a GitHub
 * call, a check-run update or a store method blocks on a promise the test settles, so the
 * other writer lands exactly in the window under test. No test looks at wall-clock time: leases
 * and retries move with a FakeClock, and the one worker heartbeat under test with vitest's fake
 * timers. Each test ends by checking the stored run (its steps and log), the jobs anyone can
 * still claim, and what GitHub holds: counted once, nothing lost.
 */

let store: Store;
let clock: FakeClock;

beforeEach(async () => {
  clock = new FakeClock();
  // The store shares the test's clock, so jobs it dates itself are due on the same time line.
  store = await openStore("sqlite::memory:", { clock });
});
afterEach(async () => {
  vi.useRealTimers();
  await store.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A one-shot gate: the call it holds resolves `entered`, then waits until the test calls `release()`. */
interface Gate {
  entered: Promise<void>;
  release(): void;
}

function newGate(): Gate & { arrive(): Promise<void> } {
  const entered = deferred();
  const released = deferred();
  return {
    entered: entered.promise,
    release: () => released.resolve(),
    arrive: async () => {
      entered.resolve();
      await released.promise;
    },
  };
}

/**
 * A FakeGitHub whose next createIssue (or createComment) can be held: "before" it reaches
 * GitHub (nothing made yet), or "after" (made on GitHub, the answer not back yet: a stalled
 * response). Team membership can be held until several askers arrive.
 */
class GatedGitHub extends FakeGitHub {
  readonly #holds = new Map<string, { gate: ReturnType<typeof newGate>; when: "before" | "after" }>();
  createIssueCalls = 0;
  teamBarrier: { size: number; arrived: number; open: Deferred } | undefined;

  hold(method: "createIssue" | "createComment", when: "before" | "after" = "before"): Gate {
    const gate = newGate();
    this.#holds.set(method, { gate, when });
    return gate;
  }

  /** The next `size` team-membership questions all wait until the last of them is asked. */
  holdTeamQuestions(size: number): void {
    this.teamBarrier = { size, arrived: 0, open: deferred() };
  }

  override async createIssue(repo: RepoRef, issue: { title: string; body: string; labels?: string[]; assignees?: string[] }) {
    this.createIssueCalls++;
    return this.#held("createIssue", () => super.createIssue(repo, issue));
  }

  override async createComment(repo: RepoRef, issue: number, body: string) {
    return this.#held("createComment", () => super.createComment(repo, issue, body));
  }

  override async isTeamMember(org: string, teamSlug: string, user: string) {
    const barrier = this.teamBarrier;
    if (barrier) {
      barrier.arrived++;
      if (barrier.arrived >= barrier.size) {
        this.teamBarrier = undefined;
        barrier.open.resolve();
      }
      await barrier.open.promise;
    }
    return super.isTeamMember(org, teamSlug, user);
  }

  async #held<T>(method: string, call: () => Promise<T>): Promise<T> {
    const hold = this.#holds.get(method);
    this.#holds.delete(method);
    if (hold?.when === "before") await hold.gate.arrive();
    const result = await call();
    if (hold?.when === "after") await hold.gate.arrive();
    return result;
  }
}

type Call = { method: string; args: unknown[]; result?: unknown };

/** The store, recording every call (and its result), with some methods optionally replaced. */
function spyStore(base: Store, overrides: Partial<Record<keyof Store, (...args: never[]) => unknown>> = {}): { store: Store; calls: Call[]; count(method: keyof Store): number } {
  const calls: Call[] = [];
  const spied = new Proxy(base, {
    get(target, prop, receiver) {
      const own = Object.hasOwn(overrides, prop) ? (overrides as Record<string | symbol, (...a: unknown[]) => unknown>)[prop] : undefined;
      const value = own ?? (Reflect.get(target, prop, receiver) as unknown);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const call: Call = { method: String(prop), args };
        calls.push(call);
        call.result = await (value as (...a: unknown[]) => Promise<unknown>).apply(own ? undefined : target, args);
        return call.result;
      };
    },
  });
  return { store: spied, calls, count: (method) => calls.filter((c) => c.method === method).length };
}

/** The engine's job dependencies over `github`, as the app builds them (reporter optional to wrap). */
function jobDeps(github: GitHubPort, options: { store?: Store; reporter?: (base: RunReporter) => RunReporter } = {}): EngineDeps {
  const s = options.store ?? store;
  return {
    store: s,
    clock,
    log: silentLogger,
    source: new WorkflowSource(),
    notifier: new RecordingNotifier(),
    actions: ACTIONS,
    githubFor: async () => github,
    reportValidation: async () => {},
    reporterFor: (gh) => {
      const base = checkRunReporter(gh, REPOSITORY, { store: s, clock });
      return options.reporter ? options.reporter(base) : base;
    },
  };
}

/** A worker running the engine's run and delivery jobs. */
function engineWorker(deps: EngineDeps, options: { workerId?: string; concurrency?: number; leaseMs?: number; runHandler?: JobHandler } = {}): Worker {
  const jobs = engineJobs(deps);
  return new Worker({
    store,
    clock,
    workerId: options.workerId ?? "engine-worker",
    concurrency: options.concurrency ?? 1,
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    handlers: { run: options.runHandler ?? jobs.run!, delivery: jobs.delivery! },
  });
}

/** Claims every job anyone could take now, completes it unrun, and says what it was. */
async function takeAllClaimable(): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
  const taken: Job[] = [];
  for (let job = await store.claimJob("probe", clock.now(), 60_000); job; job = await store.claimJob("probe", clock.now(), 60_000)) {
    taken.push(job);
    expect(await store.completeJob(job.id, "probe")).toBe(true);
  }
  return taken.map((j) => ({ type: j.type, payload: j.payload }));
}

/** Seeds a run as intake would and settles its delivery's own job (its runs are seeded here). */
async function seed(workflow: Workflow, id = "run-1", trigger: TriggerEvent = PR_TRIGGER) {
  const seeded = await seedRun(store, workflow, clock, trigger, id);
  expect((await takeAllClaimable()).map((j) => j.type)).toEqual(["delivery"]);
  return seeded;
}

const signalDelivery = (id: string, triggers: TriggerEvent[] = []): Delivery => ({
  id,
  event: "check_run",
  action: "requested_action",
  installationId: 1,
  repository: REPOSITORY,
  triggers,
  payload: {},
  receivedAt: clock.now().toISOString(),
});

const vote = (actor: string, decision: "approve" | "reject" = "approve"): Signal => ({ type: "approval", decision, actor, at: clock.now().toISOString(), via: "checkRun", runId: "run-1" });
const cancel = (actor: string): Signal => ({ type: "cancel", actor, at: clock.now().toISOString(), runId: "run-1", via: "checkRun" });

const messages = (run: Run) => run.log.map((l) => l.message);
const occurrences = (run: Run, message: string) => messages(run).filter((m) => m === message).length;
const conflicts = (calls: Call[]) => calls.filter((c) => c.method === "commitRun" && (c.result as { committed: boolean }).committed === false).length;
const firstLines = (github: FakeGitHub) => github.comments.map((c) => c.body.split("\n")[0]);

// ---------------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------------

/** One approver, then a comment that says who approved. */
const SIGN_OFF = (minApprovals: number, approvers: string) =>
  workflowFrom(`
name: Sign-off
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: sign-off
    type: approval
    approval: { approvers: ${approvers}, minApprovals: ${minApprovals} }
  - id: ship
    type: action
    action: { kind: notify, parameters: { comment: "approved by \${{ steps['sign-off'].outputs.by }}" } }
`);

/** An issue, then a comment linking it. */
const REMEDIATE = workflowFrom(`
name: Remediate
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: open
    type: action
    action: { kind: createIssue, parameters: { title: "Fix it" } }
  - id: tell
    type: action
    action: { kind: notify, parameters: { comment: "Opened \${{ steps.open.outputs.url }}" } }
`);

// ---------------------------------------------------------------------------------------------
// 1. A vote lands while the runner is out of the store, updating the check run
// ---------------------------------------------------------------------------------------------

describe("a vote while the runner awaits reporter.progress()", () => {
  // The original bug: the runner read the run, went to show "waiting for approval" on the check
  // run, and then wrote back the state it had read, wiping the vote committed meanwhile: the
  // stored votes were [] while the log said "approved by alice".
  it("keeps the vote and goes on to approved", async () => {
    await seed(SIGN_OFF(1, "[alice]"));
    const github = new GatedGitHub();
    const gate = newGate();
    let progressCalls = 0;
    const spy = spyStore(store);
    const deps = engineDeps(spy.store, clock, github);
    const base = deps.reporter;
    // The first progress() (the run starting to wait) blocks until the test lets it go on.
    deps.reporter = {
      ...base,
      progress: async (run) => {
        if (progressCalls++ === 0) await gate.arrive();
        return base.progress(run);
      },
    };

    const running = resume(deps, "run-1");
    await gate.entered;
    // The waiting step is committed before the check run is updated: the vote finds it.
    expect((await store.getRun("run-1"))!.steps[0]).toMatchObject({ stepId: "sign-off", status: "waiting" });
    expect(await applySignal(signalDelivery("vote-alice"), vote("alice"), github, { store, clock, log: silentLogger })).toEqual(["run-1"]);
    gate.release();
    const progress = await running;

    // The wait was committed before the check run showed it, so nothing the runner wrote after
    // the vote could wipe it: no conflict, and this execution ends waiting.
    expect(conflicts(spy.calls)).toBe(0);
    expect(progress.run.status).toBe("running");
    expect((await store.getRun("run-1"))!.steps[0]).toMatchObject({ stepId: "sign-off", status: "succeeded", outcome: "approved" });

    // The continuation job the vote committed goes on with the run.
    const ran = await engineWorker(jobDeps(github)).drain();
    expect(ran).toBe(1);
    expect(await takeAllClaimable()).toEqual([]);

    const run = (await store.getRun("run-1"))!;
    expect(run.status).toBe("succeeded");
    const signOff = run.steps.filter((s) => s.stepId === "sign-off");
    expect(signOff).toHaveLength(1);
    expect(signOff[0]).toMatchObject({ status: "succeeded", outcome: "approved", outputs: { by: "alice", votes: [{ actor: "alice", decision: "approve", via: "checkRun" }] } });
    expect(signOff[0]!.waiting).toBeUndefined();
    expect(occurrences(run, "step sign-off: approved by alice (checkRun)")).toBe(1);
    expect(occurrences(run, "step sign-off: approved")).toBe(1);
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["sign-off", "succeeded"],
      ["ship", "succeeded"],
    ]);
    expect(firstLines(github)).toEqual(["approved by alice"]);
    expect(github.issues).toHaveLength(0);
    expect(github.checkUpdates.at(-1)).toMatchObject({ status: "completed", conclusion: "success" });
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Two votes at once
// ---------------------------------------------------------------------------------------------

describe("two approvals applied at the same time", () => {
  // Both signals read the same version of the run (each waits on the team-membership question
  // until the other has asked too), so the second commit conflicts: it must be applied again on
  // the state with the first vote in it, not over it.
  it("stores both votes and approves exactly once", async () => {
    await seed(SIGN_OFF(2, '["@acme/leads"]'));
    const github = new GatedGitHub();
    github.teams["acme/leads"] = ["alice", "bob"];
    const waiting = await resume(engineDeps(store, clock, github), "run-1");
    expect(waiting.run.steps[0]).toMatchObject({ status: "waiting", waiting: { kind: "approval", minApprovals: 2, votes: [] } });

    const spy = spyStore(store);
    const signalDeps = { store: spy.store, clock, log: silentLogger };
    github.holdTeamQuestions(2);
    const woken = await Promise.all([
      applySignal(signalDelivery("vote-alice"), vote("alice"), github, signalDeps),
      applySignal(signalDelivery("vote-bob"), vote("bob"), github, signalDeps),
    ]);
    expect(woken).toEqual([["run-1"], ["run-1"]]);
    // Both read version N; one committed, the other conflicted and was applied again.
    expect(conflicts(spy.calls)).toBe(1);
    expect(spy.calls.filter((c) => c.method === "commitRun" && (c.result as { committed: boolean }).committed)).toHaveLength(2);

    const decided = (await store.getRun("run-1"))!;
    const record = decided.steps.find((s) => s.stepId === "sign-off")!;
    expect(record).toMatchObject({ status: "succeeded", outcome: "approved" });
    expect((record.outputs!.votes as Array<{ actor: string }>).map((v) => v.actor).sort()).toEqual(["alice", "bob"]);
    expect(occurrences(decided, "step sign-off: approved by alice (checkRun)")).toBe(1);
    expect(occurrences(decided, "step sign-off: approved by bob (checkRun)")).toBe(1);
    expect(occurrences(decided, "step sign-off: approved")).toBe(1);

    // Each signal committed its continuation job; running them finishes the run once.
    expect(await engineWorker(jobDeps(github)).drain()).toBe(2);
    expect(await takeAllClaimable()).toEqual([]);
    const run = (await store.getRun("run-1"))!;
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => [s.stepId, s.outcome ?? s.status])).toEqual([
      ["sign-off", "approved"],
      ["ship", "succeeded"],
    ]);
    expect(occurrences(run, "step sign-off: approved")).toBe(1);
    expect(occurrences(run, "run succeeded")).toBe(1);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toMatch(/^approved by (alice, bob|bob, alice)/);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. A cancel while a step is in flight
// ---------------------------------------------------------------------------------------------

describe("a cancel while a step's side effect is in flight", () => {
  // The runner is inside GitHub's createIssue when a cancel is committed. Its commit of the
  // step's success then conflicts; it reloads, replays the step (which finds the issue it made
  // through its effect record instead of opening another), and stops at the next boundary.
  it("opens one issue, records the step succeeded, and ends cancelled at the next step boundary", async () => {
    await seed(REMEDIATE);
    const github = new GatedGitHub();
    const spy = spyStore(store);
    const deps = engineDeps(spy.store, clock, github);
    const gate = github.hold("createIssue");

    const running = resume(deps, "run-1");
    await gate.entered;
    expect((await store.getRun("run-1"))!.steps).toMatchObject([{ stepId: "open", status: "running" }]);
    expect(await applySignal(signalDelivery("cancel-lead"), cancel("lead"), github, { store, clock, log: silentLogger })).toEqual(["run-1"]);
    gate.release();
    const { run: returned } = await running;

    expect(conflicts(spy.calls)).toBe(1);
    expect(returned.status).toBe("cancelled");
    expect(github.createIssueCalls).toBe(1);
    expect(github.issues).toHaveLength(1);
    expect(github.comments).toHaveLength(0);

    // The cancel's continuation job runs on a finished run: nothing happens.
    expect(await engineWorker(jobDeps(github)).drain()).toBe(1);
    expect(await takeAllClaimable()).toEqual([]);

    const run = (await store.getRun("run-1"))!;
    expect(run.status).toBe("cancelled");
    expect(run.cancelRequested).toMatchObject({ actor: "lead" });
    // The step in flight finished: it is not cut, and the step after it never started.
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([["open", "succeeded"]]);
    expect(run.steps[0]!.outputs).toMatchObject({ number: 1, url: "https://github.com/acme/api/issues/1" });
    expect(occurrences(run, "cancel requested by lead (checkRun)")).toBe(1);
    expect(occurrences(run, "run cancelled by lead at a step boundary")).toBe(1);
    expect(occurrences(run, "step open succeeded")).toBe(1);
    expect(occurrences(run, "step open started")).toBe(1);
    expect(github.checkUpdates.at(-1)).toMatchObject({ status: "completed", conclusion: "cancelled" });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Two workers, two jobs of one run
// ---------------------------------------------------------------------------------------------

describe("two workers and two jobs of the same run", () => {
  // Two run jobs for one run (a redelivered webhook and a signal, say) and two workers over one
  // store. While the first job is inside a GitHub call, the second worker looks for work: it
  // must not get the run's other job (the run id is the jobs' concurrency key).
  it("never runs the run's second job while the first is running", async () => {
    const { run: seeded } = await seed(REMEDIATE);
    const github = new GatedGitHub();
    const deps = jobDeps(github);
    const engine = engineJobs(deps);
    let inFlight = 0;
    let maxInFlight = 0;
    let executions = 0;
    const overlapped = deferred<"overlap">();
    const probe: JobHandler = async (job, context) => {
      executions++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      if (inFlight > 1) overlapped.resolve("overlap");
      try {
        await engine.run!(job, context);
      } finally {
        inFlight--;
      }
    };
    await store.enqueue(runJob(seeded, "run:run-1:first"));
    await store.enqueue(runJob(seeded, "run:run-1:second"));
    const one = engineWorker(deps, { workerId: "worker-1", runHandler: probe });
    const two = engineWorker(deps, { workerId: "worker-2", runHandler: probe });

    const gate = github.hold("createIssue");
    const first = one.drain();
    await gate.entered;
    // The first job is in flight; the second worker drains meanwhile. Either it finds nothing
    // (right), or it starts the run's second job alongside the first (the race).
    const second = await Promise.race([two.drain().then((ran) => ({ ran })), overlapped.promise]);
    expect(second).toEqual({ ran: 0 });
    gate.release();
    // The first worker goes on to the second job once the first is done.
    expect(await first).toBe(2);
    expect(await two.drain()).toBe(0);

    expect(maxInFlight).toBe(1);
    expect(executions).toBe(2);
    expect(await takeAllClaimable()).toEqual([]);
    const run = (await store.getRun("run-1"))!;
    expect(run.status).toBe("succeeded");
    expect(occurrences(run, "run succeeded")).toBe(1);
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["open", "succeeded"],
      ["tell", "succeeded"],
    ]);
    expect(github.createIssueCalls).toBe(1);
    expect(github.issues).toHaveLength(1);
    expect(firstLines(github)).toEqual(["Opened https://github.com/acme/api/issues/1"]);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. A lease that runs out mid-job
// ---------------------------------------------------------------------------------------------

describe("a lease that runs out while its job is still running", () => {
  // Worker A's GitHub call stalls (the issue was made; the answer is slow) past its lease.
  // Worker B takes the job over and finishes the run. When A's call finally returns, A's
  // late commit must lose to B's (the run's version moved on) and A's completion is refused.
  it("lets the new holder finish; the old holder's late work and completion count for nothing", async () => {
    const { run: seeded } = await seed(REMEDIATE);
    const github = new GatedGitHub();
    const spy = spyStore(store);
    const deps = jobDeps(github, { store: spy.store });
    await store.enqueue(runJob(seeded, "run:run-1:only"));
    // A holds its lease for a second; B's is long.
    const jobs = engineJobs(deps);
    const a = new Worker({ store: spy.store, clock, workerId: "worker-a", leaseMs: 1_000, handlers: { run: jobs.run!, delivery: jobs.delivery! } });
    const b = new Worker({ store: spy.store, clock, workerId: "worker-b", leaseMs: 60_000, handlers: { run: jobs.run!, delivery: jobs.delivery! } });

    const gate = github.hold("createIssue", "after");
    const aDrain = a.drain();
    await gate.entered;
    // Before the lease ends, nobody else can have the job.
    expect(await b.drain()).toBe(0);
    clock.advance(1_001);
    // Now it is B's: B resumes the run, finds the issue A made, and finishes.
    expect(await b.drain()).toBe(1);
    const afterB = (await store.getRun("run-1"))!;
    expect(afterB.status).toBe("succeeded");

    gate.release();
    expect(await aDrain).toBe(1);

    const outcomes = spy.calls.filter((c) => c.method === "completeJob" || c.method === "failJob").map((c) => [c.method, c.args[1], c.result]);
    // A learnt at its conflict that the lease is gone and stopped; its record of that is refused.
    expect(outcomes).toEqual([
      ["completeJob", "worker-b", true],
      ["failJob", "worker-a", false],
    ]);
    // A's commit after its stalled call conflicted: it wrote nothing over B's run.
    expect(conflicts(spy.calls)).toBe(1);
    const run = (await store.getRun("run-1"))!;
    expect(run.version).toBe(afterB.version);
    expect(run.log).toEqual(afterB.log);
    expect(run.steps).toEqual(afterB.steps);
    expect(run.status).toBe("succeeded");
    expect(occurrences(run, "run succeeded")).toBe(1);
    expect(occurrences(run, "step open succeeded")).toBe(1);
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["open", "succeeded"],
      ["tell", "succeeded"],
    ]);

    expect(await takeAllClaimable()).toEqual([]);
    expect(github.issues).toHaveLength(1);
    expect(firstLines(github)).toEqual(["Opened https://github.com/acme/api/issues/1"]);
  });

  /**
   * The same stall, as the app runs its worker (start(): a heartbeat renews the leases in hand),
   * but with B still in the middle of the run when A's stalled call returns: B has resumed
   * "open" (finding A's issue) and is about to post the comment of "tell". A must not go on with
   * the run B now holds. The heartbeat is driven by vitest's fake timers: A's "process stall" is
   * simply that no timer of A runs until the test advances them.
   */
  async function stalledHolder(heartbeatBeforeA: boolean) {
    const { run: seeded } = await seed(REMEDIATE);
    const github = new GatedGitHub();
    const spy = spyStore(store);
    const jobs = engineJobs(jobDeps(github, { store: spy.store }));
    await store.enqueue(runJob(seeded, "run:run-1:only"));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    try {
      const a = new Worker({ store: spy.store, clock, workerId: "worker-a", leaseMs: 1_000, heartbeatMs: 300, handlers: { run: jobs.run!, delivery: jobs.delivery! } });
      const b = new Worker({ store: spy.store, clock, workerId: "worker-b", leaseMs: 60_000, handlers: { run: jobs.run!, delivery: jobs.delivery! } });
      const aStalls = github.hold("createIssue", "after");
      a.start();
      await aStalls.entered;
      clock.advance(1_001);
      const bAboutToComment = github.hold("createComment", "before");
      const bDrain = b.drain();
      await bAboutToComment.entered;
      expect((await store.getRun("run-1"))!.steps.map((s) => [s.stepId, s.status])).toEqual([
        ["open", "succeeded"],
        ["tell", "running"],
      ]);
      // A's heartbeat finds the lease gone (and tells A's job to stop), or has not run yet.
      if (heartbeatBeforeA) await vi.advanceTimersByTimeAsync(300);
      aStalls.release();
      // stop() resolves once A's job has ended and its outcome was (or was refused to be) recorded.
      await a.stop();
      bAboutToComment.release();
      expect(await bDrain).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    const outcomes = spy.calls.filter((c) => c.method === "completeJob" || c.method === "failJob").map((c) => [c.method, c.args[1], c.result]);
    return { github, spy, outcomes, run: (await store.getRun("run-1"))! };
  }

  // A's heartbeat runs first after the stall: A learns it lost the job and stops at the step
  // boundary right after its stalled call, without touching B's run.
  it("stops the old holder at the next step boundary once its heartbeat finds the lease lost", async () => {
    const { github, outcomes, run } = await stalledHolder(true);
    // A's stop was recorded as a failure, refused: the job is B's. B completed it.
    expect(outcomes).toEqual([
      ["failJob", "worker-a", false],
      ["completeJob", "worker-b", true],
    ]);
    expect(run.status).toBe("succeeded");
    expect(occurrences(run, "run succeeded")).toBe(1);
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["open", "succeeded"],
      ["tell", "succeeded"],
    ]);
    expect(await takeAllClaimable()).toEqual([]);
    expect(github.issues).toHaveLength(1);
    expect(firstLines(github)).toEqual(["Opened https://github.com/acme/api/issues/1"]);
  });

  // A's stalled call returns before its heartbeat has run. A's commit conflicts (B moved the
  // run on); before replaying, A asks whether it still holds the job, learns it does not, and
  // stops: it never resumes "tell", which B is executing, so the comment is posted once.
  it("does not let the old holder replay the run the new holder is executing", async () => {
    const { github, outcomes, run } = await stalledHolder(false);
    expect(firstLines(github), "comments posted on the pull request").toEqual(["Opened https://github.com/acme/api/issues/1"]);
    expect(run.status).toBe("succeeded");
    expect(occurrences(run, "run succeeded")).toBe(1);
    expect(outcomes.filter(([, worker, recorded]) => worker === "worker-b" && recorded === true)).toHaveLength(1);
    expect(outcomes.filter(([, worker, recorded]) => worker === "worker-a" && recorded === true)).toHaveLength(0);
    expect(await takeAllClaimable()).toEqual([]);
    expect(github.issues).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. A signal's effect and its continuation are one transaction
// ---------------------------------------------------------------------------------------------

describe("a signal's effect and the job that continues its run", () => {
  // Before, the delivery job applied the signal and then enqueued the run's job: a crash in
  // between left a decided approval with nothing to act on it. Now the job comes with the
  // vote's commit, and the delivery job enqueues nothing of its own: here it dies right after
  // applying the signal (its outcome is never recorded, its lease is left to run out), and the
  // run job is there all the same.
  it("queues the continuation even when the delivery job dies right after applying the signal", async () => {
    await seed(SIGN_OFF(1, "[alice]"));
    const github = new GatedGitHub();
    await resume(engineDeps(store, clock, github), "run-1");

    const spy = spyStore(store);
    await store.acceptDelivery(signalDelivery("vote-alice", [{ kind: "signal", signal: vote("alice") }]));
    const deliveryJob = await store.claimJob("delivery-worker", clock.now(), 60_000);
    expect(deliveryJob).toMatchObject({ type: "delivery", payload: { deliveryId: "vote-alice" } });
    await engineJobs(jobDeps(github, { store: spy.store })).delivery!(deliveryJob!);
    expect(spy.count("enqueue")).toBe(0);
    expect(spy.count("commitRun")).toBe(1);

    const stored = (await store.getRun("run-1"))!;
    expect(stored.steps[0]).toMatchObject({ status: "succeeded", outcome: "approved", outputs: { votes: [{ actor: "alice" }] } });
    // The run job is queued: it came with the vote's commit.
    const job = await store.claimJob("probe", clock.now(), 60_000);
    expect(job).toMatchObject({ type: "run", payload: { runId: "run-1" } });
    await engineJobs(jobDeps(github)).run!(job!);
    expect(await store.completeJob(job!.id, "probe")).toBe(true);
    expect((await store.getRun("run-1"))!.status).toBe("succeeded");

    // The dead delivery job comes back when its lease runs out; applied again it changes nothing.
    clock.advance(60_001);
    expect(await engineWorker(jobDeps(github)).drain()).toBe(1);
    expect(await takeAllClaimable()).toEqual([]);

    const run = (await store.getRun("run-1"))!;
    expect(run.status).toBe("succeeded");
    expect(run.steps[0]!.outputs!.votes).toHaveLength(1);
    expect(occurrences(run, "step sign-off: approved by alice (checkRun)")).toBe(1);
    expect(occurrences(run, "step sign-off: approved")).toBe(1);
    expect(occurrences(run, "run succeeded")).toBe(1);
    expect(firstLines(github)).toEqual(["approved by alice"]);
  });

  // Another writer (a second vote) commits between the signal's read and its commit: the
  // signal's commit conflicts and the vote is applied again on the fresh state, counted once,
  // and without losing the other writer's vote.
  it("re-applies a signal whose commit conflicted on the fresh state, once", async () => {
    await seed(SIGN_OFF(2, "[alice, bob]"));
    const github = new GatedGitHub();
    await resume(engineDeps(store, clock, github), "run-1");

    let interfered = false;
    const spy = spyStore(store, {
      commitRun: (async (...args: Parameters<Store["commitRun"]>) => {
        if (!interfered) {
          interfered = true;
          // Bob's vote lands after Alice's signal read the run and before it commits.
          expect(await applySignal(signalDelivery("vote-bob"), vote("bob"), github, { store, clock, log: silentLogger })).toEqual(["run-1"]);
        }
        return store.commitRun(...args);
      }) as never,
    });
    expect(await applySignal(signalDelivery("vote-alice"), vote("alice"), github, { store: spy.store, clock, log: silentLogger })).toEqual(["run-1"]);
    expect(interfered).toBe(true);
    expect(conflicts(spy.calls)).toBe(1);
    expect(spy.count("commitRun")).toBe(2);

    const decided = (await store.getRun("run-1"))!;
    expect(decided.steps[0]).toMatchObject({ status: "succeeded", outcome: "approved" });
    expect((decided.steps[0]!.outputs!.votes as Array<{ actor: string }>).map((v) => v.actor)).toEqual(["bob", "alice"]);
    expect(occurrences(decided, "step sign-off: approved by alice (checkRun)")).toBe(1);
    expect(occurrences(decided, "step sign-off: approved by bob (checkRun)")).toBe(1);
    expect(occurrences(decided, "step sign-off: approved")).toBe(1);

    expect(await engineWorker(jobDeps(github)).drain()).toBe(2);
    expect(await takeAllClaimable()).toEqual([]);
    const run = (await store.getRun("run-1"))!;
    expect(run.status).toBe("succeeded");
    expect(occurrences(run, "run succeeded")).toBe(1);
    expect(firstLines(github)).toEqual(["approved by bob, alice"]);
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Fairness across installations
// ---------------------------------------------------------------------------------------------

describe("fairness across installations", () => {
  const NOTE = workflowFrom(`
name: Note
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: note
    type: action
    action: { kind: notify, parameters: { comment: "noted" } }
`);

  /** Stores `count` pending runs of installation `installationId`, each with its run job. */
  async function backlog(installationId: number, prefix: string, count: number): Promise<string[]> {
    const delivery: Delivery = { ...signalDelivery(`delivery-${prefix}`, [PR_TRIGGER]), event: "pull_request", action: "opened", installationId };
    await store.acceptDelivery(delivery);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${prefix}-${String(i).padStart(4, "0")}`;
      const run: Run = {
        id,
        workflowId: "note",
        workflowName: NOTE.name,
        workflowVersion: NOTE.version,
        workflowPath: ".governance/note.yml",
        workflowCommit: "c".repeat(40),
        definition: NOTE,
        installationId,
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
      expect((await store.createRun(run)).created).toBe(true);
      expect(await store.enqueue(runJob(run, `run:${id}:seed`))).toBe(true);
      ids.push(id);
    }
    return ids;
  }

  // One installation queues a thousand runs before another installation's single run arrives.
  // First come, first served would make the second installation wait behind all of them.
  for (const concurrency of [1, 4]) {
    it(`serves another installation's run before a backlog's 10th (concurrency ${concurrency}), and finishes all 1,001`, { timeout: 60_000 }, async () => {
      const busy = await backlog(1, "busy", 1_000);
      const [quiet] = await backlog(2, "quiet", 1);
      const github = new GatedGitHub();
      const finished: string[] = [];
      // The check run is not under test here: a reporter that only notes when each run finished.
      const deps = jobDeps(github, { reporter: () => ({ started: async () => undefined, progress: async () => {}, finished: async (run) => void finished.push(run.id) }) });

      const ran = await engineWorker(deps, { concurrency }).drain();
      expect(ran).toBe(1_001 + 2); // the runs and the two deliveries' own jobs

      const busyIds = new Set(busy);
      const tenthBusy = finished.findIndex((_, i) => finished.slice(0, i + 1).filter((id) => busyIds.has(id)).length === 10);
      expect(tenthBusy).toBeGreaterThan(0);
      expect(finished.indexOf(quiet!)).toBeGreaterThanOrEqual(0);
      expect(finished.indexOf(quiet!)).toBeLessThan(tenthBusy);

      // Every run finished, once.
      expect(finished).toHaveLength(1_001);
      expect(new Set(finished).size).toBe(1_001);
      const unfinished = [...(await store.listRuns({ status: "pending", limit: 500 })), ...(await store.listRuns({ status: "running", limit: 500 }))];
      expect(unfinished).toEqual([]);
      for (const id of [quiet!, busy[0]!, busy[499]!, busy[999]!]) {
        const run = (await store.getRun(id))!;
        expect(run.status).toBe("succeeded");
        expect(occurrences(run, "run succeeded")).toBe(1);
      }
      expect(github.comments).toHaveLength(1_001);
      expect(new Set(github.comments.map((c) => c.body.split("\n").at(-1))).size).toBe(1_001); // one marker per run
      expect(await takeAllClaimable()).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 8. A signal costs one indexed query, not a scan of the repository's runs
// ---------------------------------------------------------------------------------------------

describe("the cost of a signal", () => {
  const UNTIL_CLOSED = workflowFrom(`
name: Until closed
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: open
    type: action
    action: { kind: createIssue, parameters: { title: "Fix it" } }
  - id: closed
    type: wait
    wait: { for: issueClosed }
`);
  const closed = (number: number): Signal => ({ type: "issueClosed", repository: "acme/api", number, at: clock.now().toISOString() });

  // 500 runs whose issues were closed (finished) and 50 runs still waiting, in one repository.
  // Closing one issue must look up its run through the wait index and read only that run.
  it("reads only the run that waits for the closed issue", { timeout: 60_000 }, async () => {
    const github = new GatedGitHub();
    const deps = engineDeps(store, clock, github);
    const signalDeps = { store, clock, log: silentLogger };
    for (let i = 1; i <= 550; i++) {
      await seedRun(store, UNTIL_CLOSED, clock, PR_TRIGGER, `run-${i}`);
      const { run } = await resume(deps, `run-${i}`);
      expect(run.steps[1]).toMatchObject({ status: "waiting", waiting: { target: `acme/api#${i}` } });
    }
    for (let i = 1; i <= 500; i++) {
      expect(await applySignal(signalDelivery(`close-${i}`), closed(i), github, signalDeps)).toEqual([`run-${i}`]);
      expect((await resume(deps, `run-${i}`)).run.status).toBe("succeeded");
    }
    await takeAllClaimable(); // the seeded deliveries' and the closings' jobs: not under test
    const before = new Map<string, number>();
    for (let i = 501; i <= 550; i++) before.set(`run-${i}`, (await store.getRun(`run-${i}`))!.version!);

    // An issue of a waiting run closes.
    const spy = spyStore(store);
    expect(await applySignal(signalDelivery("close-517"), closed(517), github, { ...signalDeps, store: spy.store })).toEqual(["run-517"]);
    expect(spy.count("findWaitingRuns")).toBe(1);
    expect(spy.count("getRun")).toBe(1);
    expect(spy.count("listRuns")).toBe(0);
    expect(spy.count("commitRun")).toBe(1);
    expect(spy.calls.find((c) => c.method === "getRun")!.args).toEqual(["run-517"]);

    // An issue of a finished run closes (again): the index has nothing, nothing is read.
    const again = spyStore(store);
    expect(await applySignal(signalDelivery("close-17-again"), closed(17), github, { ...signalDeps, store: again.store })).toEqual([]);
    expect(again.count("findWaitingRuns")).toBe(1);
    expect(again.count("getRun")).toBe(0);
    expect(again.count("commitRun")).toBe(0);

    // Only run-517 moved; its continuation job is the only job due, and finishes it.
    for (const [id, version] of before) {
      const run = (await store.getRun(id))!;
      if (id === "run-517") {
        expect(run.version).toBe(version + 1);
        expect(run.steps[1]).toMatchObject({ status: "succeeded", outcome: "done" });
      } else {
        expect(run.version, id).toBe(version);
        expect(run.steps[1]!.status, id).toBe("waiting");
      }
    }
    expect(await engineWorker(jobDeps(github)).drain()).toBe(1);
    expect(await takeAllClaimable()).toEqual([]);
    const run = (await store.getRun("run-517"))!;
    expect(run.status).toBe("succeeded");
    expect(occurrences(run, "step closed: done")).toBe(1);
    expect(github.issues).toHaveLength(550);
  });
});
