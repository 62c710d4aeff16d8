import { describe, expect, it } from "vitest";
import type { Store } from "../../src/domain/ports.js";
import { RecordingNotifier } from "../../src/github/recording-port.js";
import { openStore } from "../../src/store/open-store.js";
import { engineDeps, FakeClock, resume, seedRun, workflowFrom } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";

/**
 * Kill the process at every point: before and after every write to the store and every side
 * effect, one scenario per point. After the "crash" a new process (new engine objects, the same
 * database and the same GitHub) resumes the run. Every scenario must end with the run succeeded
 * and exactly one issue and one comment per step; a channel message may be sent twice only when
 * the crash fell between sending it and recording it.
 */
const WORKFLOW = workflowFrom(`
name: Remediate
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: open
    type: action
    action: { kind: createIssue, parameters: { title: "Fix it" } }
  - id: tell
    type: action
    action: { kind: notify, parameters: { comment: "Opened \${{ steps.open.outputs.url }}", channel: "#ops" } }
  - id: pause
    type: wait
    wait: { duration: 1h }
  - id: sign-off
    type: approval
    approval: { approvers: [lead], timeout: 2h }
    next: { approved: [done], timedOut: [done] }
  - id: done
    type: action
    action: { kind: notify, parameters: { comment: "Finished" } }
`);

/** The moment the "process" dies: every later step of the old process just never happens. */
const NEVER = new Promise<never>(() => {});

const STORE_WRITES = new Set(["commitRun", "claimEffect", "completeEffect", "releaseEffect", "recordEffects", "createRun", "enqueue"]);

interface Plan {
  at: number;
  mode: "before" | "after";
  ticks: number;
  crashed: boolean;
  crashedAt?: string;
  /** The tick before this one, and before the crash point. */
  last?: string;
  before?: string;
  /** Resolves when the crash happens, so the test can start the next "process". */
  died: Promise<"crashed">;
  die: () => void;
}

function newPlan(at: number, mode: "before" | "after"): Plan {
  let die!: () => void;
  const died = new Promise<"crashed">((resolve) => (die = () => resolve("crashed")));
  return { at, mode, ticks: 0, crashed: false, died, die };
}

function tick(plan: Plan, what: string): "before" | "after" | undefined {
  plan.ticks++;
  const previous = plan.last;
  plan.last = what;
  if (plan.crashed || plan.ticks !== plan.at) return undefined;
  plan.crashed = true;
  plan.crashedAt = what;
  plan.before = previous;
  return plan.mode;
}

/**
 * Runs `fn` as a tick. At the crash point the old process stops dead, before `fn` (nothing
 * happened) or after it (it did but nobody learns of it): its promise never settles, so no
 * catch or finally of the engine runs, as with kill -9.
 */
async function guarded<T>(plan: Plan, what: string, fn: () => Promise<T>): Promise<T> {
  const when = tick(plan, what);
  if (when === "before") {
    plan.die();
    return NEVER;
  }
  const result = await fn();
  if (when === "after") {
    plan.die();
    return NEVER;
  }
  return result;
}

function crashingStore(store: Store, plan: Plan): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (!STORE_WRITES.has(String(prop))) return value.bind(target);
      return (...args: unknown[]) => guarded(plan, `store.${String(prop)}`, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

function crashingGitHub(github: FakeGitHub, plan: Plan): FakeGitHub {
  return new Proxy(github, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (!["createIssue", "createComment", "createCheckRun"].includes(String(prop))) return value.bind(target);
      return (...args: unknown[]) => guarded(plan, `github.${String(prop)}`, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/** One scenario: crash at tick `at`, restart, and drive the run to its end (timers and an approval). */
async function scenario(at: number, mode: "before" | "after") {
  const store = await openStore("sqlite::memory:");
  const clock = new FakeClock();
  const github = new FakeGitHub();
  const messages: string[] = [];
  const plan = newPlan(at, mode);
  await seedRun(store, WORKFLOW, clock);
  const { applySignal } = await import("../../src/engine/signals.js");
  let approved = false;
  for (let step = 0; step < 50; step++) {
    const notifier = new RecordingNotifier();
    notifier.send = (channel, message) => guarded(plan, "notifier.send", async () => void messages.push(`${channel} ${message.text}`));
    const deps = engineDeps(crashingStore(store, plan), clock, crashingGitHub(github, plan), notifier);
    const wasCrashed = plan.crashed;

    const outcome = await Promise.race([resume(deps, "run-1"), wasCrashed ? NEVER : plan.died]);
    if (outcome !== "crashed") {
      const progress = outcome;
      if (progress.run.status !== "running") {
        await store.close();
        return { run: progress.run, github, messages, plan };
      }
      const waiting = progress.run.steps.find((s) => s.status === "waiting");
      if (waiting?.waiting?.kind === "approval" && !approved) {
        const delivery = { id: `approve-${step}`, event: "issue_comment", installationId: 1, repository: (await store.getDelivery("delivery-run-1"))!.repository, triggers: [], payload: {}, receivedAt: clock.now().toISOString() };
        // Applying the approval is a process too: it can die halfway.
        const applied = applySignal(delivery, { type: "approval", decision: "approve", actor: "lead", at: clock.now().toISOString(), via: "checkRun", runId: "run-1" }, github, deps);
        await Promise.race([applied, plan.crashed ? NEVER : plan.died]);
        approved = (await store.getRun("run-1"))!.steps.some((s) => s.stepId === "sign-off" && s.outcome === "approved");
      } else if (progress.wakeAt) {
        clock.current = progress.wakeAt;
      }
    }
    // After a crash the next loop is a fresh process on the same database.
  }
  throw new Error(`scenario ${at}/${mode} did not finish`);
}

describe("crash at every step boundary and inside steps", () => {
  // About eighty scenarios, each a fresh database: slower than the rest of the suite.
  it("resumes every run to exactly one issue and one comment per step", { timeout: 180_000 }, async () => {
    // A run without crashes tells how many points there are to crash at.
    const clean = await scenario(Number.MAX_SAFE_INTEGER, "before");
    expect(clean.run.status).toBe("succeeded");
    expect(clean.github.issues).toHaveLength(1);
    expect(clean.github.comments.map((c) => c.body.split("\n")[0])).toEqual(["Opened https://github.com/acme/api/issues/1", "Finished"]);
    expect(clean.messages).toHaveLength(1);
    const points = clean.plan.ticks;
    // Three issue/comment/check-run calls, a channel message, and the store writes between them
    // (a step's effects are recorded with the run's next commit, not each on its own).
    expect(points).toBeGreaterThan(10);

    for (let at = 1; at <= points; at++) {
      for (const mode of ["before", "after"] as const) {
        const r = await scenario(at, mode);
        const label = `crash ${mode} ${r.plan.crashedAt} (point ${at})`;
        expect(r.plan.crashed, label).toBe(true);
        expect(r.run.status, label).toBe("succeeded");
        expect(r.github.issues, label).toHaveLength(1);
        expect(r.github.comments.map((c) => c.body.split("\n")[0]), label).toEqual(["Opened https://github.com/acme/api/issues/1", "Finished"]);
        // Sent but not recorded: the one window where a channel message goes out twice.
        const recording = ["store.completeEffect", "store.commitRun", "store.recordEffects"];
        const duplicateAllowed = (mode === "after" && r.plan.crashedAt === "notifier.send") || (mode === "before" && recording.includes(r.plan.crashedAt!) && r.plan.before === "notifier.send");
        expect(r.messages.length, label).toBe(duplicateAllowed ? 2 : 1);
        expect(r.run.steps.map((s) => s.stepId), label).toEqual(["open", "tell", "pause", "sign-off", "done"]);
      }
    }
  });
});
