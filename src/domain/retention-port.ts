/**
 * The store port's upkeep (a part of `Store`, in its own file): retention, which prunes what
 * would otherwise grow without bound (finished jobs, the payloads of deliveries whose runs are
 * over, the logs of old runs), and the store's own health for `/readyz`. engine/retention.ts
 * decides when and how much; the contract suite in test/store/ says what each prune may touch.
 */

/** What a delivery's stored payload becomes once pruned: `getDelivery` then answers `payload: { pruned: true }`. */
export const PRUNED_PAYLOAD = { pruned: true } as const;

/** Whether a delivery's payload is the marker retention left in its place. */
export function isPrunedPayload(payload: unknown): boolean {
  return typeof payload === "object" && payload !== null && !Array.isArray(payload) && Object.keys(payload).length === 1 && (payload as { pruned?: unknown }).pruned === true;
}

/** Whether the store answers, for `/readyz`. */
export interface HealthStore {
  /** One trivial read of the database; rejects when it cannot be reached. */
  ping(): Promise<void>;
  /** Whether the database is at exactly this build's schema: every migration of the code applied, and none the code does not know. */
  migrationsApplied(): Promise<boolean>;
}

/**
 * Retention: each prune changes at most `limit` rows in one short write (so one call never holds
 * the database for long), returns how many rows it changed, and returns fewer than `limit`
 * only when nothing more is due as of its cutoff. Pruning again changes nothing (idempotent).
 */
export interface RetentionStore extends HealthStore {
  /**
   * Deletes jobs finished (done, or failed for good) before `finishedBefore`. Scheduled, queued
   * and running jobs are never touched. A pruned job's key is free again: "at most one job with
   * a key" holds while the job is kept, which outlasts every producer of a key (a delivery's
   * jobs are guarded by the delivery itself, a run's by its version).
   */
  pruneJobs(finishedBefore: Date, limit: number): Promise<number>;
  /**
   * Replaces with PRUNED_PAYLOAD the payload of deliveries received before `receivedBefore`
   * whose runs are all finished (or that made none) and whose `delivery` job is not pending or
   * running. The delivery's row stays (its id is the redelivery guard: `acceptDelivery` of the
   * same id still returns false), with its event, repository and trigger events.
   */
  pruneDeliveryPayloads(receivedBefore: Date, limit: number): Promise<number>;
  /**
   * Deletes the log lines of runs finished (succeeded, failed, cancelled) before
   * `finishedBefore`. The run's row and its step records stay. The rows it changes are the log
   * lines deleted and the runs marked done with (a run whose log is gone is not looked at again).
   */
  pruneRunLogs(finishedBefore: Date, limit: number): Promise<number>;
}
