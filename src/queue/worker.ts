import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Clock, Job, Logger, Store } from "../domain/ports.js";
import { exponentialBackoff, type Backoff } from "./backoff.js";
import { NonRetriableError } from "./errors.js";

export { NonRetriableError } from "./errors.js";
export { exponentialBackoff, type Backoff } from "./backoff.js";

/** Runs one job. Throw to fail it: a `NonRetriableError` gives it up, anything else retries it. */
export type JobHandler = (job: Job) => Promise<void>;

/** Attempts a job gets unless the worker is told otherwise; handlers may act on the last one. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The logging the worker needs (pino and the domain's Logger fit). */
export type WorkerLog = Pick<Logger, "info" | "warn" | "error">;

export interface WorkerOptions {
  store: Store;
  /** A handler per job type. */
  handlers: Record<string, JobHandler>;
  clock?: Clock;
  /** Names this worker in job leases (default: host/pid/random). */
  workerId?: string;
  /** How long a claimed job stays this worker's; after that another worker may take it over (default 2 min). */
  leaseMs?: number;
  /** Attempts before a failing job is given up (default 5). */
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

/**
 * Runs jobs from a Store, one at a time. Several workers (in one process or many) can share a
 * store: the store hands each due job to one of them. A handler's failure never escapes: the
 * job is retried with backoff, or given up and logged.
 */
export class Worker {
  readonly workerId: string;
  readonly #store: Store;
  readonly #handlers: Record<string, JobHandler>;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #pollIntervalMs: number;
  readonly #log: WorkerLog;
  readonly #onGiveUp: Record<string, (job: Job, reason: string) => Promise<void>>;
  readonly #inHand = new Set<Promise<void>>();
  #loop: Promise<void> | undefined;
  #running = false;
  #notified = false;
  #wake: (() => void) | undefined;

  constructor(options: WorkerOptions) {
    this.#store = options.store;
    this.#handlers = options.handlers;
    this.#clock = options.clock ?? systemClock;
    this.workerId = options.workerId ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    this.#leaseMs = options.leaseMs ?? 2 * 60_000;
    this.#maxAttempts = Math.max(1, Math.trunc(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
    this.#backoff = options.backoff ?? exponentialBackoff();
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#log = options.log ?? silent;
    this.#onGiveUp = options.onGiveUp ?? {};
  }

  /** Starts polling for due jobs in the background; does nothing when already started. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#poll();
  }

  /** Wakes an idle worker now: call it after an enqueue instead of waiting for the next poll. */
  notify(): void {
    this.#notified = true;
    this.#wake?.();
  }

  /** Stops polling; resolves once the job in hand (if any) has finished and been recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inHand]);
  }

  /** Runs due jobs until none is left; resolves with how many ran. Store errors reject it. */
  async drain(): Promise<number> {
    let count = 0;
    while (await this.#runNext()) count++;
    return count;
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      this.#notified = false;
      let worked = false;
      try {
        worked = await this.#runNext();
      } catch (err) {
        // The store is unreachable or busy: wait a poll interval rather than spin.
        this.#log.error({ err, workerId: this.workerId }, "cannot claim a job; will try again");
      }
      if (!worked) await this.#idle();
    }
  }

  /** Waits a poll interval, or less when notified or stopped. */
  async #idle(): Promise<void> {
    if (this.#notified || !this.#running) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#pollIntervalMs);
      this.#wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    this.#wake = undefined;
  }

  /** Claims one due job and runs it; false when none is due. */
  async #runNext(): Promise<boolean> {
    const job = await this.#store.claimJob(this.workerId, this.#clock.now(), this.#leaseMs);
    if (!job) return false;
    const running = this.#run(job);
    this.#inHand.add(running);
    try {
      await running;
    } finally {
      this.#inHand.delete(running);
    }
    return true;
  }

  /** Runs a claimed job and records the outcome; never throws. */
  async #run(job: Job): Promise<void> {
    const ctx = { jobId: job.id, type: job.type, attempt: job.attempts, workerId: this.workerId };
    const handler = Object.hasOwn(this.#handlers, job.type) ? this.#handlers[job.type] : undefined;
    if (!handler) return this.#giveUp(job, `no handler for job type "${job.type}"`, ctx);
    // More attempts than allowed means earlier ones never recorded an outcome: the process
    // died while running it. Running it again could crash the next worker too.
    if (job.attempts > this.#maxAttempts) {
      return this.#giveUp(job, `gave up after ${this.#maxAttempts} attempts that never finished (the worker stopped each time)`, ctx);
    }
    try {
      await handler(job);
    } catch (err) {
      return this.#failed(job, err, ctx);
    }
    await this.#record(() => this.#store.completeJob(job.id), ctx);
    this.#log.info(ctx, "job done");
  }

  async #failed(job: Job, err: unknown, ctx: Record<string, unknown>): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof NonRetriableError) return this.#giveUp(job, message, { ...ctx, err });
    if (job.attempts >= this.#maxAttempts) {
      return this.#giveUp(job, `${message} (gave up after ${job.attempts} attempts)`, { ...ctx, err });
    }
    const retryAt = new Date(this.#clock.now().getTime() + Math.max(0, this.#backoff(job.attempts)));
    this.#log.warn({ ...ctx, err, retryAt: retryAt.toISOString() }, "job failed; will retry");
    await this.#record(() => this.#store.failJob(job.id, message, retryAt), ctx);
  }

  async #giveUp(job: Job, reason: string, ctx: Record<string, unknown>): Promise<void> {
    this.#log.error({ ...ctx, reason }, "job failed; giving up");
    const onGiveUp = Object.hasOwn(this.#onGiveUp, job.type) ? this.#onGiveUp[job.type] : undefined;
    if (onGiveUp) {
      try {
        await onGiveUp(job, reason);
      } catch (err) {
        this.#log.error({ ...ctx, err }, "could not end the work of a job given up");
      }
    }
    await this.#record(() => this.#store.failJob(job.id, reason), ctx);
  }

  /** Writes a job's outcome; when that fails the lease runs out and the job runs again, so log and go on. */
  async #record(write: () => Promise<void>, ctx: Record<string, unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.#log.error({ ...ctx, err }, "cannot record the job's outcome; it will run again when its lease ends");
    }
  }
}
