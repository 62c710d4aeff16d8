/**
 * The store port's presence part (a part of `Store`): which engine workers are alive across the
 * deployment. Each worker says so on its heartbeat; GitHub's per-installation limits are shared
 * among the live ones, so pacing holds however many processes send.
 */
export interface PresenceStore {
  /** Records that the worker is alive now. */
  beat(workerId: string, now: Date): Promise<void>;
  /** The worker stopped cleanly: it no longer counts. */
  leave(workerId: string): Promise<void>;
  /** How many workers beat at or after `since` (at least the caller's own, once it beat). */
  liveWorkers(since: Date): Promise<number>;
}
