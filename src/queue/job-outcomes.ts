// What the worker records once a job's handler is through: done, retried with backoff, or given up (ending its work first).
import { NonRetriableError, RateLimitError } from "../domain/errors.js";
import type { Clock, Job, Store } from "../domain/ports.js";
import type { Backoff } from "./backoff.js";
import type { WorkerLog } from "./worker-options.js";

/** Context for the log lines of one job. */
type Ctx = Record<string, unknown>;

/** Records the outcomes of one worker's jobs; only the worker holding a job's lease writes it (the store checks). */
export class JobOutcomes {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #workerId: string;
  readonly #leaseMs: number;
  readonly #backoff: Backoff;
  readonly #log: WorkerLog;
  readonly #onGiveUp: Record<string, (job: Job, reason: string) => Promise<void>>;

  constructor(worker: { store: Store; clock: Clock; workerId: string; leaseMs: number; backoff: Backoff; log: WorkerLog; onGiveUp: Record<string, (job: Job, reason: string) => Promise<void>> }) {
    this.#store = worker.store;
    this.#clock = worker.clock;
    this.#workerId = worker.workerId;
    this.#leaseMs = worker.leaseMs;
    this.#backoff = worker.backoff;
    this.#log = worker.log;
    this.#onGiveUp = worker.onGiveUp;
  }

  /** The handler finished: the job is done. */
  async done(job: Job, ctx: Ctx): Promise<void> {
    await this.#record(() => this.#store.completeJob(job.id, this.#workerId), ctx);
    this.#log.info(ctx, "job done");
  }

  /** The handler threw: the job runs again after a backoff, or is given up (a NonRetriableError, or its last attempt). */
  async failed(job: Job, err: unknown, maxAttempts: number, ctx: Ctx): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof NonRetriableError) return this.giveUp(job, message, { ...ctx, err });
    if (job.attempts >= maxAttempts) {
      return this.giveUp(job, `${message} (gave up after ${job.attempts} attempts)`, { ...ctx, err });
    }
    // GitHub's rate limit names its own time: come back then, not sooner.
    const retryAt = err instanceof RateLimitError ? err.retryAt : new Date(this.#clock.now().getTime() + Math.max(0, this.#backoff(job.attempts)));
    this.#log.warn({ ...ctx, err, retryAt: retryAt.toISOString() }, "job failed; will retry");
    await this.#record(() => this.#store.failJob(job.id, this.#workerId, message, retryAt), ctx);
  }

  /** The job fails for good: its type's onGiveUp ends its work (while this worker holds it), then the failure is recorded. */
  async giveUp(job: Job, reason: string, ctx: Ctx): Promise<void> {
    this.#log.error({ ...ctx, reason }, "job failed; giving up");
    const onGiveUp = Object.hasOwn(this.#onGiveUp, job.type) ? this.#onGiveUp[job.type] : undefined;
    // Only the lease holder ends the job's work: another worker may have taken the job over.
    const held = onGiveUp ? (await this.#store.renewLeases(this.#workerId, [job.id], new Date(this.#clock.now().getTime() + this.#leaseMs)).catch(() => [])).length > 0 : false;
    if (onGiveUp && held) {
      try {
        await onGiveUp(job, reason);
      } catch (err) {
        this.#log.error({ ...ctx, err }, "could not end the work of a job given up");
      }
    }
    await this.#record(() => this.#store.failJob(job.id, this.#workerId, reason), ctx);
  }

  /** Writes a job's outcome; when that fails the lease runs out and the job runs again, so log and go on. */
  async #record(write: () => Promise<boolean>, ctx: Ctx): Promise<void> {
    try {
      if (!(await write())) this.#log.warn(ctx, "the job's lease was lost before its outcome was recorded; the worker holding it now decides");
    } catch (err) {
      this.#log.error({ ...ctx, err }, "cannot record the job's outcome; it will run again when its lease ends");
    }
  }
}
