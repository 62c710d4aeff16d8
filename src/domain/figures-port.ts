/**
 * The store's figures for the metrics scrape: the job queue's depth and age, and runs by status.
 * Asked once per scrape (every 15 s or so), never on the hot path; `FixedFigures` is a stand-in
 * for tests and for a store that cannot count.
 */
import { RUN_STATUSES, type RunStatus } from "./run.js";

/** The job queue at one instant. */
export interface QueueFigures {
  /** Jobs due (run_at at or before now) and not leased: waiting for a worker. */
  due: number;
  /** Jobs leased to a worker. */
  running: number;
  /** Jobs whose run_at is still to come (timers, retries, rate-limit waits). */
  scheduled: number;
  /** How long the oldest due job has been due, in seconds (0 when none is). */
  oldestDueAgeSeconds: number;
}

/** What the metrics ask the store on a scrape. Implemented by the store; each answer is one indexed query. */
export interface StoreFigures {
  queueFigures(now: Date): Promise<QueueFigures>;
  /** Runs by status, every status present (0 when none). */
  runCounts(): Promise<Record<RunStatus, number>>;
}

/** No runs. */
export function zeroRunCounts(): Record<RunStatus, number> {
  return Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
}

/** Figures set by hand: tests, and a store without a way to count. */
export class FixedFigures implements StoreFigures {
  queue: QueueFigures = { due: 0, running: 0, scheduled: 0, oldestDueAgeSeconds: 0 };
  runs: Record<RunStatus, number> = zeroRunCounts();
  /** Scrapes that asked (both queries count once each). */
  asked = 0;

  async queueFigures(): Promise<QueueFigures> {
    this.asked++;
    return { ...this.queue };
  }

  async runCounts(): Promise<Record<RunStatus, number>> {
    this.asked++;
    return { ...this.runs };
  }
}
