// The worker's contract with its callers: the job handler's shape and the options a Worker takes.
import type { JobContext } from "../domain/job-context.js";
import type { Clock, Job, Logger, Store } from "../domain/ports.js";
import type { Backoff } from "./backoff.js";

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
