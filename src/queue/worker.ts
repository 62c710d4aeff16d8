// The job queue's worker: claims due jobs from the Store, runs them up to `concurrency` at a time,
// keeps their leases alive, and records each outcome (done, retried with backoff, or given up).
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Clock, Job, Store } from "../domain/ports.js";
import { exponentialBackoff } from "./backoff.js";
import { JobOutcomes } from "./job-outcomes.js";
import type { JobHandler, WorkerLog, WorkerOptions } from "./worker-options.js";
import { isGone, markAlive, markStopped } from "./worker-liveness.js";
import { SAFE_POINT_MS, settledWithin, ShuttingDown } from "./worker-shutdown.js";

// Re-exported for the worker's callers; both live in domain/ so that job handlers need not import the queue.
export { NonRetriableError } from "../domain/errors.js";
export type { JobContext } from "../domain/job-context.js";
export { exponentialBackoff, type Backoff } from "./backoff.js";
export { DEFAULT_MAX_ATTEMPTS, type JobHandler, type WorkerLog, type WorkerOptions } from "./worker-options.js";

const silent: WorkerLog = { info() {}, warn() {}, error() {} };
const systemClock: Clock = { now: () => new Date() };

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
  readonly #pollIntervalMs: number;
  readonly #log: WorkerLog;
  /** Records what became of each job once its handler is through. */
  readonly #outcomes: JobOutcomes;
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
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#log = options.log ?? silent;
    this.#outcomes = new JobOutcomes({
      store: this.#store,
      clock: this.#clock,
      workerId: this.workerId,
      leaseMs: this.#leaseMs,
      backoff: options.backoff ?? exponentialBackoff(),
      log: this.#log,
      onGiveUp: options.onGiveUp ?? {},
    });
    markAlive(this.workerId);
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
    this.#heartbeat = setInterval(() => {
      void this.#renew();
      void this.#beat();
    }, this.#heartbeatMs);
    this.#heartbeat.unref?.();
    void this.#beat();
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
    markStopped(this.workerId);
    await this.#store.leave(this.workerId).catch((err: unknown) => this.#log.warn({ err, workerId: this.workerId }, "could not say this worker left; it stops counting once its heartbeat is old"));
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
  /** Says this worker is alive (the store's presence part: GitHub's limits are shared among the live workers). */
  async #beat(): Promise<void> {
    await this.#store.beat(this.workerId, this.#clock.now()).catch((err: unknown) => this.#log.warn({ err, workerId: this.workerId }, "could not record this worker's heartbeat"));
  }

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
    // What every log line of the job carries: the job, its installation, and the delivery or run it is for.
    const about = { deliveryId: job.payload.deliveryId, runId: job.payload.runId };
    const ctx = {
      jobId: job.id,
      type: job.type,
      attempt: job.attempts,
      workerId: this.workerId,
      ...(job.installationId === undefined ? {} : { installationId: job.installationId }),
      ...Object.fromEntries(Object.entries(about).filter(([, v]) => typeof v === "string")),
    };
    const handler = Object.hasOwn(this.#handlers, job.type) ? this.#handlers[job.type] : undefined;
    if (!handler) return this.#outcomes.giveUp(job, `no handler for job type "${job.type}"`, ctx);
    // More attempts than allowed means earlier ones never recorded an outcome: the process
    // died while running it. Running it again could crash the next worker too.
    if (job.attempts > maxAttempts) {
      return this.#outcomes.giveUp(job, `gave up after ${maxAttempts} attempts that never finished (the worker stopped each time)`, ctx);
    }
    try {
      await handler(job, { signal, workerId: this.workerId, holdsLease: () => this.#holdsLease(job, signal) });
    } catch (err) {
      // Cut off by a stop: not a failure; stop() puts it back in the queue.
      if (signal.reason instanceof ShuttingDown) return this.#log.info(ctx, "job stopped at a safe point for the shutdown");
      return this.#outcomes.failed(job, err, maxAttempts, ctx);
    }
    await this.#outcomes.done(job, ctx);
  }
}
