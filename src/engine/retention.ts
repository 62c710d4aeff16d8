/**
 * Retention: the periodic `prune-store` job, which keeps the store from growing without bound
 * by pruning finished jobs, the payloads of deliveries whose runs are over and the logs of old
 * runs (the store's RetentionStore port does the pruning, in bounded batches).
 *
 * Defaults, and why:
 * - finished jobs (done, or failed for good): 7 days after they finished. A finished job is of
 *   use only for its key and, when it failed, its last error: every producer of a key is guarded
 *   by more than the job (a delivery by its row, GitHub redelivers for 3 days; a run's jobs by
 *   its version), and a week leaves time to read why a job failed.
 * - delivery payloads: 30 days after the delivery arrived, and only once none of its runs is
 *   unfinished (expressions read `event.payload` while a run runs; a run waiting weeks for an
 *   approval keeps its payload). Payloads are the store's largest rows (tens of KB for a pull
 *   request); a month covers looking into a run and re-running it with its original event. The
 *   delivery's row stays: it is the redelivery guard.
 * - run logs: 90 days after the run finished. The run's row and its step records (status,
 *   outputs, errors, votes) stay as the audit record; the log is the narrative, kept a quarter.
 * - every hour, at most PRUNE_BATCH rows a write (a short write, between which other work goes).
 * Effect records are kept: they are the idempotency guard, some of them span runs (one issue per
 * finding, one task per fingerprint), and each is a small row per step, like the run it belongs to.
 */
import type { JobContext } from "../domain/job-context.js";
import { JOB_PRIORITY, type Clock, type Job, type Logger, type NewJob, type Store } from "../domain/ports.js";
import type { RetentionStore } from "../domain/retention-port.js";

/** The job type of the periodic prune. */
export const RETENTION_JOB_TYPE = "prune-store";

const DAY_MS = 86_400_000;

/** How long what is pruned is kept, in milliseconds; Infinity keeps it for ever. */
export interface RetentionPeriods {
  /** Finished jobs, after they finished. */
  jobsMs: number;
  /** Delivery payloads, after the delivery arrived (once its runs are finished). */
  payloadsMs: number;
  /** Run logs, after the run finished. */
  logsMs: number;
}

export const DEFAULT_RETENTION: Readonly<RetentionPeriods> = { jobsMs: 7 * DAY_MS, payloadsMs: 30 * DAY_MS, logsMs: 90 * DAY_MS };
/** How often the prune runs. */
export const DEFAULT_PRUNE_INTERVAL_MS = 3_600_000;
/** Rows a prune changes per write. */
export const PRUNE_BATCH = 500;
/** Writes per kind and run of the job: up to 1,000 × 500 rows an hour, far above what a busy app writes. */
export const PRUNE_MAX_BATCHES = 1_000;

/** What one pass pruned, by kind; `complete` is false when it stopped at its cap (or was stopped) with work left. */
export interface PruneResult {
  jobs: number;
  payloads: number;
  logs: number;
  complete: boolean;
}

/** The periods with the defaults filled in; a period that is not a positive number of milliseconds is refused. */
export function retentionPeriods(given: Partial<RetentionPeriods> = {}): RetentionPeriods {
  const periods = { ...DEFAULT_RETENTION, ...definedOnly(given) };
  for (const [name, ms] of Object.entries(periods)) {
    if (typeof ms !== "number" || !(ms > 0)) throw new RangeError(`retention: ${name} must be a positive number of milliseconds (or Infinity), got ${String(ms)}`);
  }
  return periods;
}

/**
 * One pass: each kind is pruned batch after batch, until a batch changes fewer rows than it
 * may (nothing more is due), `maxBatches` writes were made, or `signal` aborts.
 */
export async function pruneOnce(
  store: RetentionStore,
  clock: Clock,
  periods: RetentionPeriods = DEFAULT_RETENTION,
  batch = PRUNE_BATCH,
  options: { maxBatches?: number; signal?: AbortSignal } = {},
): Promise<PruneResult> {
  const now = clock.now().getTime();
  const maxBatches = options.maxBatches ?? PRUNE_MAX_BATCHES;
  let complete = true;
  const drain = async (periodMs: number, prune: (cutoff: Date, limit: number) => Promise<number>): Promise<number> => {
    if (periodMs === Number.POSITIVE_INFINITY) return 0;
    const cutoff = new Date(now - periodMs);
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      if (options.signal?.aborted) {
        complete = false;
        return total;
      }
      const changed = await prune(cutoff, batch);
      total += changed;
      if (changed < batch) return total;
    }
    complete = false;
    return total;
  };
  const jobs = await drain(periods.jobsMs, (c, n) => store.pruneJobs(c, n));
  const payloads = await drain(periods.payloadsMs, (c, n) => store.pruneDeliveryPayloads(c, n));
  const logs = await drain(periods.logsMs, (c, n) => store.pruneRunLogs(c, n));
  return { jobs, payloads, logs, complete };
}

/** The first slot after `after`: slots are the multiples of the interval since the epoch, the same on every replica. */
export function pruneSlotAfter(after: Date, intervalMs: number = DEFAULT_PRUNE_INTERVAL_MS): Date {
  return new Date((Math.floor(after.getTime() / intervalMs) + 1) * intervalMs);
}

/** The prune job of a slot, keyed by it: of any number of replicas enqueuing it, one does. */
export function pruneJob(slot: Date): NewJob {
  const iso = slot.toISOString();
  return { type: RETENTION_JOB_TYPE, payload: { slot: iso }, key: `prune:${iso}`, runAt: slot, priority: JOB_PRIORITY.maintenance, concurrencyKey: RETENTION_JOB_TYPE };
}

/** Enqueues the next slot's prune (call at start-up, on every replica: one job is queued); true when this call queued it. */
export function scheduleRetention(store: Pick<Store, "enqueue">, clock: Clock, intervalMs: number = DEFAULT_PRUNE_INTERVAL_MS): Promise<boolean> {
  return store.enqueue(pruneJob(pruneSlotAfter(clock.now(), intervalMs)));
}

export interface RetentionDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  periods?: Partial<RetentionPeriods>;
  intervalMs?: number;
  batch?: number;
}

/**
 * The worker's `prune-store` handler. It enqueues its successor (the next slot after its own
 * and after now) before it prunes, so a prune that fails never ends the series; a retry of the
 * job enqueues the same key, so there is exactly one successor.
 */
export function retentionJobs(deps: RetentionDeps): Record<string, (job: Job, context?: JobContext) => Promise<void>> {
  const periods = retentionPeriods(deps.periods);
  const intervalMs = deps.intervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  if (!(intervalMs >= 1_000)) throw new RangeError(`retention: the interval must be at least a second, got ${intervalMs}`);
  return {
    async [RETENTION_JOB_TYPE](job, context) {
      const now = deps.clock.now();
      const own = new Date(typeof job.payload.slot === "string" ? job.payload.slot : Number.NaN);
      const from = Number.isNaN(own.getTime()) || own < now ? now : own;
      await deps.store.enqueue(pruneJob(pruneSlotAfter(from, intervalMs)));
      const started = Date.now();
      const result = await pruneOnce(deps.store, deps.clock, periods, deps.batch ?? PRUNE_BATCH, context ? { signal: context.signal } : {});
      const changed = result.jobs + result.payloads + result.logs;
      if (changed > 0 || !result.complete) deps.log.info({ ...result, ms: Date.now() - started }, result.complete ? "store pruned" : "store pruned in part; the next run goes on");
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
