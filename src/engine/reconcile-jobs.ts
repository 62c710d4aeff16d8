/**
 * The reconcile job (engine/reconcile.ts runs its pass): one `reconcile-deliveries` job per
 * interval slot, each enqueuing its successor for the next slot under a key made of the slot's
 * time, so any number of replicas (and restarts) keep exactly one chain of passes.
 */
import { JOB_PRIORITY, type Clock, type Job, type Store } from "../domain/ports.js";
import type { JobContext } from "../domain/job-context.js";
import type { Metrics } from "../domain/metrics-port.js";
import { reconcileDeliveries, type ReconcileDeps, type ReconcileOptions } from "./reconcile.js";

export const RECONCILE_JOB_TYPE = "reconcile-deliveries";

/** How often a pass runs (default 10 min). */
export const DEFAULT_RECONCILE_INTERVAL_MS = 10 * 60_000;

/** Attempts of one pass's job: its pass never throws, so only a store that cannot enqueue fails it. */
const RECONCILE_MAX_ATTEMPTS = 3;

export type ReconcileJobOptions = Partial<ReconcileOptions> & { intervalMs?: number };

/** The start of the interval slot `at` falls in: every replica computes the same one. */
export function reconcileSlot(at: Date, intervalMs: number): Date {
  const interval = Math.max(1, Math.trunc(intervalMs));
  return new Date(Math.floor(at.getTime() / interval) * interval);
}

/** The key of a slot's job: at most one job with a key is ever enqueued, so one pass per slot cluster-wide. */
export const reconcileKey = (slot: Date): string => `reconcile:${slot.toISOString()}`;

function slotJob(slot: Date, runAt: Date) {
  return { type: RECONCILE_JOB_TYPE, key: reconcileKey(slot), runAt, priority: JOB_PRIORITY.maintenance, payload: {}, maxAttempts: RECONCILE_MAX_ATTEMPTS };
}

/**
 * The job handler. A job first enqueues its successor (due at the next slot, keyed by it: two
 * passes, a retry, replicas all make one), so a pass that dies never ends the chain; then it
 * runs one pass. `recent` (guids this process redelivered) lives as long as the handlers do.
 */
export function reconcileJobs(
  deps: Omit<ReconcileDeps, "signal" | "recent"> & { store: Pick<Store, "getDelivery" | "enqueue">; metrics?: Metrics },
  options: ReconcileJobOptions = {},
): Record<string, (job: Job, context?: JobContext) => Promise<void>> {
  const { intervalMs = DEFAULT_RECONCILE_INTERVAL_MS, ...pass } = options;
  const recent = new Map<string, number>();
  return {
    async [RECONCILE_JOB_TYPE](_job, context) {
      const now = deps.clock.now();
      const next = new Date(reconcileSlot(now, intervalMs).getTime() + Math.max(1, Math.trunc(intervalMs)));
      await deps.store.enqueue(slotJob(next, next));
      const figures = await reconcileDeliveries({ ...deps, recent, ...(context ? { signal: context.signal } : {}) }, pass);
      deps.metrics?.reconcilePass(figures);
    },
  };
}

/**
 * Enqueues the pass of the current slot, due now: call it at start-up on every replica. Its key
 * is the slot's, so they make one job between them, and none when the chain already ran this
 * slot (the successor the previous slot's pass enqueued has that key). Resolves true when this
 * call enqueued it.
 */
export function startReconcile(store: Pick<Store, "enqueue">, clock: Clock, intervalMs: number = DEFAULT_RECONCILE_INTERVAL_MS): Promise<boolean> {
  const now = clock.now();
  return store.enqueue(slotJob(reconcileSlot(now, intervalMs), now));
}
