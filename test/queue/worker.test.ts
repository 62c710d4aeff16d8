import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NonRetriableError as DomainNonRetriableError } from "../../src/domain/errors.js";
import type { Clock, Job, Store } from "../../src/domain/ports.js";
import { exponentialBackoff, NonRetriableError, Worker, type JobHandler, type WorkerOptions } from "../../src/queue/worker.js";
import { openStore } from "../../src/store/open-store.js";

const T0 = new Date("2030-01-01T00:00:00.000Z").getTime();

class FakeClock implements Clock {
  t = T0;
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

type Entry = { level: "info" | "warn" | "error"; obj: Record<string, unknown>; msg: string };

let store: Store;
let clock: FakeClock;
let logs: Entry[];
const workers: Worker[] = [];

beforeEach(async () => {
  clock = new FakeClock();
  store = await openStore("sqlite::memory:", { clock });
  logs = [];
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await store.close();
});

function worker(handlers: Record<string, JobHandler>, options: Partial<WorkerOptions> = {}): Worker {
  const log = {
    info: (obj: Record<string, unknown>, msg: string) => logs.push({ level: "info", obj, msg }),
    warn: (obj: Record<string, unknown>, msg: string) => logs.push({ level: "warn", obj, msg }),
    error: (obj: Record<string, unknown>, msg: string) => logs.push({ level: "error", obj, msg }),
  };
  const w = new Worker({ store, handlers, clock, log, workerId: "test-worker", ...options });
  workers.push(w);
  return w;
}

/** A promise and the function that settles it. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => (open = resolve));
  return { open, opened };
}

/** The store, with some methods replaced. */
function withOverrides(base: Store, overrides: Partial<Store>): Store {
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Whether any job is left for anyone, ever. */
async function nothingLeft(): Promise<boolean> {
  return (await store.claimJob("probe", new Date(T0 + 365 * 86_400_000), 1_000)) === undefined;
}

describe("exponentialBackoff", () => {
  it("doubles from the base and stops at the cap", () => {
    const backoff = exponentialBackoff({ baseMs: 100, maxMs: 1_000 });
    expect([1, 2, 3, 4, 5, 10].map(backoff)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
});

describe("Worker.drain", () => {
  it("runs every due job, leaves later ones, and says how many ran", async () => {
    const seen: Job[] = [];
    const w = worker({ t: async (job) => void seen.push(job) });
    await store.enqueue({ type: "t", payload: { n: 1 } });
    await store.enqueue({ type: "t", payload: { n: 2 } });
    await store.enqueue({ type: "t", payload: { n: 3 }, runAt: new Date(T0 + 1_000) });
    expect(await w.drain()).toBe(2);
    expect(seen.map((j) => j.payload.n)).toEqual([1, 2]);
    clock.advance(1_000);
    expect(await w.drain()).toBe(1);
    expect(await nothingLeft()).toBe(true);
  });

  it("runs jobs that handlers enqueue while it drains", async () => {
    const w = worker({
      first: async () => void (await store.enqueue({ type: "second", payload: {} })),
      second: async () => {},
    });
    await store.enqueue({ type: "first", payload: {} });
    expect(await w.drain()).toBe(2);
  });
});

describe("Worker retries", () => {
  it("retries a failing job with exponential backoff, then completes it", async () => {
    let calls = 0;
    const w = worker(
      {
        flaky: async () => {
          calls++;
          if (calls < 4) throw new Error(`flake ${calls}`);
        },
      },
      { backoff: exponentialBackoff({ baseMs: 1_000, maxMs: 3_000 }) },
    );
    await store.enqueue({ type: "flaky", payload: {} });
    for (const wait of [1_000, 2_000, 3_000]) {
      expect(await w.drain()).toBe(1);
      clock.advance(wait - 1);
      expect(await w.drain()).toBe(0);
      clock.advance(1);
    }
    expect(await w.drain()).toBe(1);
    expect(calls).toBe(4);
    expect(await nothingLeft()).toBe(true);
    expect(logs.filter((l) => l.level === "warn").map((l) => [l.msg, l.obj.attempt, l.obj.retryAt])).toEqual([
      ["job failed; will retry", 1, new Date(T0 + 1_000).toISOString()],
      ["job failed; will retry", 2, new Date(T0 + 3_000).toISOString()],
      ["job failed; will retry", 3, new Date(T0 + 6_000).toISOString()],
    ]);
  });

  it("gives up after maxAttempts and logs it", async () => {
    let calls = 0;
    const broken = async () => {
      calls++;
      throw new Error("nope");
    };
    const w = worker({ broken }, { maxAttempts: 3, backoff: () => 0 });
    await store.enqueue({ type: "broken", payload: {} });
    expect(await w.drain()).toBe(3);
    expect(calls).toBe(3);
    expect(await nothingLeft()).toBe(true);
    const errors = logs.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: "job failed; giving up", obj: { type: "broken", attempt: 3, reason: "nope (gave up after 3 attempts)" } });
  });

  it("gives up at once on a NonRetriableError", async () => {
    let calls = 0;
    const w = worker({
      t: async () => {
        calls++;
        throw new NonRetriableError("delivery d-1 is not in the store");
      },
    });
    await store.enqueue({ type: "t", payload: {} });
    expect(await w.drain()).toBe(1);
    expect(calls).toBe(1);
    expect(await nothingLeft()).toBe(true);
    expect(logs.find((l) => l.level === "error")).toMatchObject({ obj: { reason: "delivery d-1 is not in the store" } });
  });

  it("gives up at once on the NonRetriableError the engine throws, from domain/", async () => {
    expect(NonRetriableError).toBe(DomainNonRetriableError);
    const w = worker({
      t: async () => {
        throw new DomainNonRetriableError("run r-1 is gone");
      },
    });
    await store.enqueue({ type: "t", payload: {}, maxAttempts: 5 });
    expect(await w.drain()).toBe(1);
    expect(await nothingLeft()).toBe(true);
    expect(logs.find((l) => l.level === "error")).toMatchObject({ obj: { reason: "run r-1 is gone" } });
  });

  it("fails a job of an unknown type at once, without retry", async () => {
    const w = worker({ known: async () => {} });
    await store.enqueue({ type: "mystery", payload: {} });
    await store.enqueue({ type: "constructor", payload: {} });
    expect(await w.drain()).toBe(2);
    expect(await nothingLeft()).toBe(true);
    expect(logs.filter((l) => l.level === "error").map((l) => l.obj.reason)).toEqual([
      'no handler for job type "mystery"',
      'no handler for job type "constructor"',
    ]);
  });

  it("gives up, without running it, a job whose earlier attempts all died with their worker", async () => {
    let calls = 0;
    const w = worker({ t: async () => void calls++ }, { maxAttempts: 2, leaseMs: 1_000 });
    await store.enqueue({ type: "t", payload: {} });
    // Two workers took it and vanished: their leases ran out with nothing recorded.
    await store.claimJob("dead-1", clock.now(), 1_000);
    clock.advance(1_001);
    await store.claimJob("dead-2", clock.now(), 1_000);
    clock.advance(1_001);
    expect(await w.drain()).toBe(1);
    expect(calls).toBe(0);
    expect(await nothingLeft()).toBe(true);
    expect(logs.find((l) => l.level === "error")?.obj.reason).toMatch(/never finished/);
  });

  it("survives handlers that throw synchronously or throw non-errors", async () => {
    const w = worker(
      {
        sync: (() => {
          throw new Error("sync throw");
        }) as JobHandler,
        str: async () => {
          throw "a string";
        },
      },
      { maxAttempts: 1 },
    );
    await store.enqueue({ type: "sync", payload: {} });
    await store.enqueue({ type: "str", payload: {} });
    expect(await w.drain()).toBe(2);
    expect(logs.filter((l) => l.level === "error").map((l) => l.obj.reason)).toEqual([
      "sync throw (gave up after 1 attempts)",
      "a string (gave up after 1 attempts)",
    ]);
  });

  it("logs, and does not throw, when the outcome cannot be recorded", async () => {
    const failing = withOverrides(store, {
      completeJob: async () => {
        throw new Error("database is locked");
      },
    });
    const w = worker({ t: async () => {} }, { store: failing });
    await store.enqueue({ type: "t", payload: {} });
    expect(await w.drain()).toBe(1);
    expect(logs.find((l) => l.level === "error")?.msg).toMatch(/cannot record the job's outcome/);
  });
});

describe("Worker.start / notify / stop", () => {
  it("notify() wakes an idle worker at once", async () => {
    const ran = gate<Job>();
    const w = worker({ t: async (job) => ran.open(job) }, { pollIntervalMs: 60_000 });
    w.start();
    await new Promise((r) => setTimeout(r, 20));
    await store.enqueue({ type: "t", payload: { n: 1 } });
    w.notify();
    expect((await ran.opened).payload).toEqual({ n: 1 });
  });

  it("polls for jobs enqueued without a notify", async () => {
    const ran = gate();
    const w = worker({ t: async () => ran.open() }, { pollIntervalMs: 10 });
    w.start();
    w.start();
    await store.enqueue({ type: "t", payload: {} });
    await ran.opened;
  });

  it("stop() waits for the job in hand to finish and be recorded", async () => {
    const started = gate();
    const release = gate();
    let finished = false;
    const w = worker({
      slow: async () => {
        started.open();
        await release.opened;
        finished = true;
      },
    });
    await store.enqueue({ type: "slow", payload: {} });
    w.start();
    await started.opened;
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(finished).toBe(true);
    expect(await nothingLeft()).toBe(true);
  });

  it("stop({ graceMs }) lets a job that finishes in time finish, and puts back nothing", async () => {
    const started = gate();
    const w = worker({
      quick: async () => {
        started.open();
        await new Promise((r) => setTimeout(r, 50));
      },
    });
    await store.enqueue({ type: "quick", payload: {} });
    w.start();
    await started.opened;
    expect(await w.stop({ graceMs: 5_000 })).toEqual({ putBack: 0 });
    expect(await nothingLeft()).toBe(true);
  });

  it("stop({ graceMs }) cuts off a job past its grace at a safe point and puts it back, unfailed, for the next worker at once", async () => {
    const started = gate();
    let sawStop: unknown;
    const w = worker({
      // A job that stops only when told to, as a run does at its next step boundary.
      long: async (_job, { signal }) => {
        started.open();
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        sawStop = signal.reason;
        throw new Error("stopped at a step boundary");
      },
    });
    await store.enqueue({ type: "long", payload: {} });
    w.start();
    await started.opened;
    const t0 = performance.now();
    expect(await w.stop({ graceMs: 100 })).toEqual({ putBack: 1 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((sawStop as Error).name).toBe("ShuttingDown");
    expect(logs.some((l) => l.level === "error")).toBe(false);
    expect(logs.map((l) => l.msg)).toContain("stopping: waiting up to 0.1 s for 1 job(s) in hand");
    expect(logs.map((l) => l.msg)).toContain("stopped after 0.1 s: 1 job(s) cut off at a safe point and put back in the queue");
    // Due now, not after a retry's backoff, and with the attempt it used (as a killed worker's job).
    const again = await store.claimJob("next-worker", clock.now(), 1_000);
    expect(again).toMatchObject({ type: "long", attempts: 2 });
  });

  it("stop({ graceMs }) does not wait on a job that ignores it: the job is put back and its late outcome is not recorded", async () => {
    const started = gate();
    const release = gate();
    const w = worker({
      stubborn: async () => {
        started.open();
        await release.opened;
      },
    });
    await store.enqueue({ type: "stubborn", payload: {} });
    w.start();
    await started.opened;
    const t0 = performance.now();
    const stopped = await w.stop({ graceMs: 50 });
    const next = await store.claimJob("next-worker", clock.now(), 60_000);
    release.open();
    expect(stopped).toEqual({ putBack: 1 });
    // The grace, then at most the moment given to reach a safe point.
    expect(performance.now() - t0).toBeLessThan(4_000);
    expect(next).toMatchObject({ type: "stubborn" });
    const id = next!.id;
    await new Promise((r) => setTimeout(r, 20));
    // The next worker holds it: the stopped worker's late completion did not take it away.
    expect(await store.completeJob(id, "next-worker")).toBe(true);
  });

  it("stop() before start() resolves", async () => {
    await worker({}).stop();
  });

  it("keeps polling when the store fails to hand out a job", async () => {
    let failures = 0;
    const flaky = withOverrides(store, {
      claimJobs: async (...args) => {
        if (failures++ < 2) throw new Error("SQLITE_BUSY");
        return store.claimJobs(...args);
      },
    });
    const ran = gate();
    const w = worker({ t: async () => ran.open() }, { store: flaky, pollIntervalMs: 5 });
    await store.enqueue({ type: "t", payload: {} });
    w.start();
    await ran.opened;
    expect(logs.filter((l) => l.msg === "cannot claim a job; will try again")).toHaveLength(2);
  });
});

describe("Worker: many jobs in flight, leases that follow the work", () => {
  it("runs up to `concurrency` jobs at once, and no more", async () => {
    let inFlight = 0;
    let most = 0;
    const release = gate();
    const started: number[] = [];
    const w = worker(
      {
        t: async (job) => {
          started.push(job.payload.n as number);
          most = Math.max(most, ++inFlight);
          await release.opened;
          inFlight--;
        },
      },
      { concurrency: 4, pollIntervalMs: 5 },
    );
    for (let n = 0; n < 10; n++) await store.enqueue({ type: "t", payload: { n } });
    w.start();
    while (started.length < 4) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    // Four slots, four jobs in hand: the fifth waits for a slot.
    expect(started).toHaveLength(4);
    release.open();
    // (Not nothingLeft() in the loop: its probe claims a job, and could take one from the worker.)
    while (started.length < 10 || inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    expect(await nothingLeft()).toBe(true);
    expect(most).toBe(4);
    expect(started.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("a slow job does not hold back the others: a free slot takes the next job at once", async () => {
    const slow = gate();
    const done: string[] = [];
    const w = worker(
      {
        slow: async () => {
          await slow.opened;
          done.push("slow");
        },
        fast: async (job) => void done.push(`fast${String(job.payload.n)}`),
      },
      { concurrency: 2, pollIntervalMs: 60_000 },
    );
    await store.enqueue({ type: "slow", payload: {} });
    for (let n = 0; n < 3; n++) await store.enqueue({ type: "fast", payload: { n } });
    w.start();
    while (done.length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(done).toEqual(["fast0", "fast1", "fast2"]);
    slow.open();
  });

  it("renews the leases of jobs in hand, so a long job is not taken over", async () => {
    const release = gate();
    const started = gate();
    const w = worker(
      {
        long: async () => {
          started.open();
          await release.opened;
        },
      },
      { leaseMs: 1_000, heartbeatMs: 10 },
    );
    await store.enqueue({ type: "long", payload: {} });
    w.start();
    await started.opened;
    // Ten lease lengths later on the clock, with the heartbeat running meanwhile.
    for (let i = 0; i < 10; i++) {
      clock.advance(900);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await store.claimJob("other", clock.now(), 1_000)).toBeUndefined();
    release.open();
  });

  it("a job whose lease was lost is told to stop, and its outcome is not recorded", async () => {
    const started = gate();
    let signal: AbortSignal | undefined;
    const release = gate();
    const w = worker(
      {
        long: async (_job, context) => {
          signal = context.signal;
          started.open();
          await release.opened;
        },
      },
      { leaseMs: 1_000, heartbeatMs: 10 },
    );
    await store.enqueue({ type: "long", payload: {} });
    w.start();
    await started.opened;
    // Another worker took it over (this one looked dead: a long GC pause, a frozen VM).
    clock.advance(1_500);
    const taken = await store.claimJob("other", clock.now(), 60_000);
    expect(taken).toBeDefined();
    while (!signal?.aborted) await new Promise((r) => setTimeout(r, 5));
    release.open();
    await w.stop();
    expect(logs.some((l) => l.msg.startsWith("lost the lease of a job in hand"))).toBe(true);
    expect(logs.some((l) => l.msg.startsWith("the job's lease was lost before its outcome was recorded"))).toBe(true);
    // Still the other worker's.
    expect(await store.completeJob(taken!.id, "other")).toBe(true);
  });

  it("holdsLease answers from the lease it last set while that has time to go, and asks the store near its end", async () => {
    let renewals = 0;
    const counted = withOverrides(store, {
      renewLeases: async (...args: Parameters<Store["renewLeases"]>) => {
        renewals++;
        return store.renewLeases(...args);
      },
    });
    const answers: boolean[] = [];
    const step = gate();
    const next = gate();
    let context: { holdsLease(): Promise<boolean> } | undefined;
    const w = new Worker({
      store: counted,
      clock,
      workerId: "lease-holder",
      // No heartbeat during the test: the lease is what the claim set.
      leaseMs: 1_000,
      heartbeatMs: 3_600_000,
      handlers: {
        long: async (_job, ctx) => {
          context = ctx;
          step.open();
          await next.opened;
        },
      },
    });
    workers.push(w);
    await store.enqueue({ type: "long", payload: {} });
    w.start();
    await step.opened;
    // Fresh: no store call.
    answers.push(await context!.holdsLease());
    expect(renewals).toBe(0);
    // Past half the lease: the store is asked, and renews it.
    clock.advance(600);
    answers.push(await context!.holdsLease());
    expect(renewals).toBe(1);
    // Renewed: fresh again.
    clock.advance(100);
    answers.push(await context!.holdsLease());
    expect(renewals).toBe(1);
    // It ran out and another worker took it: the store says so.
    clock.advance(1_500);
    expect(await store.claimJob("other", clock.now(), 60_000)).toBeDefined();
    answers.push(await context!.holdsLease());
    expect(answers).toEqual([true, true, true, false]);
    next.open();
  });

  it("at start, takes back at once the jobs of a worker of this host that is gone, not those of live ones", async () => {
    const { hostname } = await import("node:os");
    await store.enqueue({ type: "t", payload: { n: 1 } });
    await store.enqueue({ type: "t", payload: { n: 2 } });
    await store.enqueue({ type: "t", payload: { n: 3 } });
    // A process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default), a worker
    // of this process that is gone, and one that is alive.
    await store.claimJob(`${hostname()}/4194305/dead`, clock.now(), 120_000);
    await store.claimJob(`${hostname()}/${process.pid}/gone`, clock.now(), 120_000);
    // A live Worker object of this process holds this one.
    worker({}, { workerId: `${hostname()}/${process.pid}/alive` });
    await store.claimJob(`${hostname()}/${process.pid}/alive`, clock.now(), 120_000);
    const ran: number[] = [];
    const w = worker({ t: async (job) => void ran.push(job.payload.n as number) }, { workerId: `${hostname()}/${process.pid}/new` });
    expect(await w.takeOverGoneWorkers()).toBe(2);
    // Without waiting for the leases to run out.
    await w.drain();
    expect(ran.sort()).toEqual([1, 2]);
    expect(await store.leaseHolders()).toEqual([`${hostname()}/${process.pid}/alive`]);
  });

  it("honours a rate limit's time for the retry", async () => {
    const { RateLimitError } = await import("../../src/domain/errors.js");
    let tries = 0;
    const w = worker(
      {
        t: async () => {
          if (tries++ === 0) throw new RateLimitError("not now", new Date(clock.now().getTime() + 42_000));
        },
      },
      { backoff: () => 1 },
    );
    await store.enqueue({ type: "t", payload: {} });
    await w.drain();
    clock.advance(41_999);
    expect(await w.drain()).toBe(0);
    clock.advance(1);
    expect(await w.drain()).toBe(1);
  });
});
