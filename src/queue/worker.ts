import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { NonRetriableError, RateLimitError } from "../domain/errors.js";
import type { JobContext } from "../domain/job-context.js";
import type { Clock, Job, Logger, Store } from "../domain/ports.js";
import { exponentialBackoff, type Backoff } from "./backoff.js";

// Re-exported for the worker's callers; both live in domain/ so that job handlers need not import the queue.
export { NonRetriableError } from "../domain/errors.js";
export type { JobContext } from "../domain/job-context.js";
export { exponentialBackoff, type Backoff } from "./backoff.js";

/** Runs one job. Throw to fail it: a `NonRetriableError` gives it up, anything else retries it. */
export type JobHandler = (job: Job, context: JobContext) => Promise<void>;

/** Attempts a job gets unless it says otherwise; handlers may act on the last one. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The logging the worker needs (pino and the domain's Logger fit). */
export type WorkerLog = Pick<Logger, "info" | "warn" | "error">;

export interface WorkerOptions {
  store: Store;
  /** A handler per job type. */
  handlers: Record<string, JobHandler>;
  clock?: Clock;
  /** Names this worker in job leases (default: host/pid/random, which lets a restart on the same host see that the old worker is gone). */
  workerId?: string;
  /** Jobs run at once (default 1). Slots are never held while waiting on GitHub's pacing: paced work is rescheduled. */
  concurrency?: number;
  /**
   * How long a claimed job stays this worker's without a heartbeat (default 30 s). The worker
   * renews the leases of the jobs in hand every `heartbeatMs`, so a long job keeps its lease
   * and a dead worker's jobs are free again soon.
   */
  leaseMs?: number;
  /** How often the leases in hand are renewed (default a third of leaseMs). */
  heartbeatMs?: number;
  /** A cap on every job's own attempts (default: each job's maxAttempts). */
  maxAttempts?: number;
  /** Delay before a retry (default: 1 s doubling, capped at 5 min). */
  backoff?: Backoff;
  /** How often an idle worker looks for due jobs (default 250 ms); `notify()` wakes it sooner. */
  pollIntervalMs?: number;
  log?: WorkerLog;
  /**
   * Called, per job type, when a job is given up (failed its last attempt, or kept stopping the
   * worker before it could finish): the place to end what the job was doing, e.g. fail its run.
   */
  onGiveUp?: Record<string, (job: Job, reason: string) => Promise<void>>;
}

const silent: WorkerLog = { info() {}, warn() {}, error() {} };
const systemClock: Clock = { now: () => new Date() };

/** The workers alive in this process: a lease held by another id of this process belongs to a worker that is gone. */
const liveHere = new Set<string>();

/**
 * Runs jobs from a Store, up to `concurrency` at a time. Several workers (in one process or
 * many) can share a store: the store hands each due job to one of them, fairly across
 * installations and never two jobs of one run at once. A handler's failure never escapes: the
 * job is retried with backoff, or given up and logged. Only the worker holding a job's lease
 * records its outcome.
 */
export class Worker {
  readonly workerId: string;
  readonly #store: Store;
  readonly #handlers: Record<string, JobHandler>;
  readonly #clock: Clock;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #heartbeatMs: number;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #pollIntervalMs: number;
  readonly #log: WorkerLog;
  readonly #onGiveUp: Record<string, (job: Job, reason: string) => Promise<void>>;
  /** Jobs in hand, by id: what they run as and how to tell them to stop. */
  readonly #inHand = new Map<string, { done: Promise<void>; abort: AbortController; heldUntil: number }>();
  #loop: Promise<void> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #running = false;
  #notified = false;
  #wake: (() => void) | undefined;

  constructor(options: WorkerOptions) {
    this.#store = options.store;
    this.#handlers = options.handlers;
    this.#clock = options.clock ?? systemClock;
    this.workerId = options.workerId ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    this.#concurrency = Math.max(1, Math.trunc(options.concurrency ?? 1));
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#heartbeatMs = Math.max(10, options.heartbeatMs ?? Math.floor(this.#leaseMs / 3));
    this.#maxAttempts = Math.max(1, Math.trunc(options.maxAttempts ?? Number.MAX_SAFE_INTEGER));
    this.#backoff = options.backoff ?? exponentialBackoff();
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#log = options.log ?? silent;
    this.#onGiveUp = options.onGiveUp ?? {};
    liveHere.add(this.workerId);
  }

  /** How many jobs are in hand now. */
  get busy(): number {
    return this.#inHand.size;
  }

  /**
   * Starts working in the background: first takes back at once the jobs of workers that are
   * gone (a previous process on this host, killed), then polls for due jobs. Does nothing when
   * already started.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#heartbeat = setInterval(() => void this.#renew(), this.#heartbeatMs);
    this.#heartbeat.unref?.();
    this.#loop = this.takeOverGoneWorkers()
      .catch((err: unknown) => this.#log.error({ err, workerId: this.workerId }, "could not take over the jobs of stopped workers"))
      .then(() => this.#poll());
  }

  /** Wakes an idle worker now: call it after an enqueue instead of waiting for the next poll. */
  notify(): void {
    this.#notified = true;
    this.#wake?.();
  }

  /**
   * Stops claiming jobs; resolves once the jobs in hand have finished and been recorded, or,
   * with `graceMs`, once that time is up: the jobs still running are then told to stop at their
   * next safe point (as when a lease is lost), given a moment to get there, and put back in the
   * queue with their leases released, so that the next worker (another replica, or this app
   * after its restart) takes them at once. A job cut off this way keeps the attempt it used,
   * as a job of a killed worker does. Resolves with how many jobs were put back.
   */
  async stop(options: { graceMs?: number } = {}): Promise<{ putBack: number }> {
    const graceMs = options.graceMs ?? Number.POSITIVE_INFINITY;
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    let putBack = 0;
    if (this.#inHand.size > 0) {
      const inHand = this.#inHand.size;
      if (Number.isFinite(graceMs)) this.#log.info({ workerId: this.workerId, jobs: inHand, graceMs }, `stopping: waiting up to ${graceMs / 1000} s for ${inHand} job(s) in hand`);
      const finished = await settledWithin([...this.#inHand.values()].map((j) => j.done), graceMs);
      if (!finished) {
        const cut = [...this.#inHand.entries()];
        for (const [, job] of cut) job.abort.abort(new ShuttingDown());
        await settledWithin(cut.map(([, job]) => job.done), Math.min(SAFE_POINT_MS, graceMs));
        // Whatever has not reached a safe point is left to the crash-safe path: effects are claimed before they are made.
        putBack = await this.#store.releaseLeases([this.workerId]).catch((err: unknown) => {
          this.#log.error({ err, workerId: this.workerId }, "could not put the jobs in hand back; their leases run out instead");
          return 0;
        });
        this.#log.warn({ workerId: this.workerId, jobs: cut.map(([id]) => id).slice(0, 10), putBack }, `stopped after ${graceMs / 1000} s: ${cut.length} job(s) cut off at a safe point and put back in the queue`);
      }
    }
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    liveHere.delete(this.workerId);
    return { putBack };
  }

  /** Runs due jobs (up to `concurrency` at once) until none is left; resolves with how many ran. Store errors reject it. */
  async drain(): Promise<number> {
    let count = 0;
    for (;;) {
      const batch = (await this.#store.claimJobs(this.workerId, this.#clock.now(), this.#leaseMs, this.#concurrency)).map((job) => this.#launch(job));
      if (batch.length === 0) return count;
      count += batch.length;
      await Promise.all(batch);
    }
  }

  /**
   * Puts back in the queue the running jobs of workers on this host that are gone: their
   * process is dead, or it is this process and the worker is no longer alive in it. Leases of
   * other hosts' workers are left to run out. Returns how many jobs came back.
   */
  async takeOverGoneWorkers(): Promise<number> {
    const gone = (await this.#store.leaseHolders()).filter((id) => id !== this.workerId && isGone(id));
    if (gone.length === 0) return 0;
    const released = await this.#store.releaseLeases(gone);
    if (released > 0) this.#log.warn({ workerId: this.workerId, released, workers: gone.slice(0, 10) }, "took over the jobs of stopped workers");
    return released;
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      this.#notified = false;
      try {
        while (this.#running && this.#inHand.size < this.#concurrency) {
          // Every free slot in one claim: one transaction however many jobs are due.
          const jobs = await this.#store.claimJobs(this.workerId, this.#clock.now(), this.#leaseMs, this.#concurrency - this.#inHand.size);
          for (const job of jobs) void this.#launch(job);
          if (jobs.length === 0) break;
        }
      } catch (err) {
        // The store is unreachable or busy: wait a poll interval rather than spin.
        this.#log.error({ err, workerId: this.workerId }, "cannot claim a job; will try again");
      }
      await this.#idle();
    }
  }

  /** Waits until a slot frees, a notify, a stop, or (with a free slot) a poll interval. */
  async #idle(): Promise<void> {
    if (!this.#running) return;
    const full = this.#inHand.size >= this.#concurrency;
    if (this.#notified && !full) return;
    await new Promise<void>((resolve) => {
      const timer = full ? undefined : setTimeout(done, this.#pollIntervalMs);
      this.#wake = done;
      function done() {
        if (timer) clearTimeout(timer);
        resolve();
      }
    });
    this.#wake = undefined;
  }

  /** Runs a claimed job in a slot; resolves when its outcome is recorded. */
  #launch(job: Job): Promise<void> {
    const abort = new AbortController();
    // The claim set the lease from this clock's now, a moment ago: count from here, a little short.
    const entry = { done: Promise.resolve(), abort, heldUntil: this.#clock.now().getTime() + this.#leaseMs };
    this.#inHand.set(job.id, entry);
    entry.done = this.#run(job, abort.signal).finally(() => {
      this.#inHand.delete(job.id);
      // A slot is free: a worker waiting for one looks for the next job.
      this.#wake?.();
    });
    return entry.done;
  }

  /**
   * Whether this worker still holds a job's lease. Only the holder renews a lease, and another
   * worker takes a job only once its lease has run out (or its worker is gone): while the lease
   * this worker last set has well over a heartbeat to go, it holds it, without asking the store.
   * Closer to the end (the heartbeat is late: the loop stalled), the store decides and renews.
   */
  async #holdsLease(job: Job, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const entry = this.#inHand.get(job.id);
    const now = this.#clock.now().getTime();
    if (entry && now < entry.heldUntil - this.#leaseMs / 2) return true;
    const until = now + this.#leaseMs;
    const held = (await this.#store.renewLeases(this.workerId, [job.id], new Date(until))).length > 0;
    if (held && entry) entry.heldUntil = until;
    return held;
  }

  /** Renews the leases in hand; a job whose lease was lost is told to stop. */
  async #renew(): Promise<void> {
    const ids = [...this.#inHand.keys()];
    if (ids.length === 0) return;
    try {
      const until = this.#clock.now().getTime() + this.#leaseMs;
      const held = new Set(await this.#store.renewLeases(this.workerId, ids, new Date(until)));
      for (const id of ids) {
        const job = this.#inHand.get(id);
        if (held.has(id)) {
          if (job) job.heldUntil = until;
          continue;
        }
        if (!job || job.abort.signal.aborted) continue;
        this.#log.warn({ jobId: id, workerId: this.workerId }, "lost the lease of a job in hand; it stops at its next safe point");
        job.abort.abort(new Error("the job's lease was lost"));
      }
    } catch (err) {
      this.#log.error({ err, workerId: this.workerId }, "cannot renew job leases; will try again");
    }
  }

  /** Runs a claimed job and records the outcome; never throws. */
  async #run(job: Job, signal: AbortSignal): Promise<void> {
    const maxAttempts = Math.min(job.maxAttempts, this.#maxAttempts);
    const ctx = { jobId: job.id, type: job.type, attempt: job.attempts, workerId: this.workerId };
    const handler = Object.hasOwn(this.#handlers, job.type) ? this.#handlers[job.type] : undefined;
    if (!handler) return this.#giveUp(job, `no handler for job type "${job.type}"`, ctx);
    // More attempts than allowed means earlier ones never recorded an outcome: the process
    // died while running it. Running it again could crash the next worker too.
    if (job.attempts > maxAttempts) {
      return this.#giveUp(job, `gave up after ${maxAttempts} attempts that never finished (the worker stopped each time)`, ctx);
    }
    try {
      await handler(job, { signal, workerId: this.workerId, holdsLease: () => this.#holdsLease(job, signal) });
    } catch (err) {
      // Cut off by a stop: not a failure; stop() puts it back in the queue.
      if (signal.reason instanceof ShuttingDown) return this.#log.info(ctx, "job stopped at a safe point for the shutdown");
      return this.#failed(job, err, maxAttempts, ctx);
    }
    await this.#record(() => this.#store.completeJob(job.id, this.workerId), ctx);
    this.#log.info(ctx, "job done");
  }

  async #failed(job: Job, err: unknown, maxAttempts: number, ctx: Record<string, unknown>): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof NonRetriableError) return this.#giveUp(job, message, { ...ctx, err });
    if (job.attempts >= maxAttempts) {
      return this.#giveUp(job, `${message} (gave up after ${job.attempts} attempts)`, { ...ctx, err });
    }
    // GitHub's rate limit names its own time: come back then, not sooner.
    const retryAt = err instanceof RateLimitError ? err.retryAt : new Date(this.#clock.now().getTime() + Math.max(0, this.#backoff(job.attempts)));
    this.#log.warn({ ...ctx, err, retryAt: retryAt.toISOString() }, "job failed; will retry");
    await this.#record(() => this.#store.failJob(job.id, this.workerId, message, retryAt), ctx);
  }

  async #giveUp(job: Job, reason: string, ctx: Record<string, unknown>): Promise<void> {
    this.#log.error({ ...ctx, reason }, "job failed; giving up");
    const onGiveUp = Object.hasOwn(this.#onGiveUp, job.type) ? this.#onGiveUp[job.type] : undefined;
    // Only the lease holder ends the job's work: another worker may have taken the job over.
    const held = onGiveUp ? (await this.#store.renewLeases(this.workerId, [job.id], new Date(this.#clock.now().getTime() + this.#leaseMs)).catch(() => [])).length > 0 : false;
    if (onGiveUp && held) {
      try {
        await onGiveUp(job, reason);
      } catch (err) {
        this.#log.error({ ...ctx, err }, "could not end the work of a job given up");
      }
    }
    await this.#record(() => this.#store.failJob(job.id, this.workerId, reason), ctx);
  }

  /** Writes a job's outcome; when that fails the lease runs out and the job runs again, so log and go on. */
  async #record(write: () => Promise<boolean>, ctx: Record<string, unknown>): Promise<void> {
    try {
      if (!(await write())) this.#log.warn(ctx, "the job's lease was lost before its outcome was recorded; the worker holding it now decides");
    } catch (err) {
      this.#log.error({ ...ctx, err }, "cannot record the job's outcome; it will run again when its lease ends");
    }
  }
}

/** Why a job in hand is told to stop when the worker stops before it finished. */
class ShuttingDown extends Error {
  override readonly name = "ShuttingDown";
  constructor() {
    super("the worker is stopping");
  }
}

/** How long jobs told to stop get to reach a safe point before the worker stops without them. */
const SAFE_POINT_MS = 2_000;

/** Whether all the promises settled within `ms` (Infinity: waits for them all). */
async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  const all = Promise.allSettled(promises).then(() => true);
  if (!Number.isFinite(ms)) return all;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([all, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the worker named `workerId` (host/pid/random) is known to be gone. */
function isGone(workerId: string): boolean {
  const [host, pidText] = workerId.split("/");
  if (host !== hostname() || !pidText || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return !liveHere.has(workerId);
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists (another user's): not gone.
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}
