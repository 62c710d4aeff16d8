/**
 * The metrics port: what the webhook handlers, the engine and the GitHub adapter report as they
 * work (deliveries, runs, steps, GitHub calls and rate limits, reconcile passes). `noMetrics`
 * is the default everywhere, so a caller without metrics (the CLI, most tests) pays one empty call.
 */
import type { RunStatus, StepStatus } from "./run.js";
import type { StepType } from "./workflow.js";

/** What became of a webhook delivery at the endpoint. */
export type DeliveryOutcome =
  /** Recorded (with its job), or schedule-index refreshes queued. */
  | "accepted"
  /** A redelivery (same X-GitHub-Delivery), or refreshes already queued: nothing new. */
  | "duplicate"
  /** Nothing to do for it (not an event any workflow can match). */
  | "skipped"
  /** The payload lacks what its event needs. */
  | "invalid"
  /** The handler failed (the store): answered 500, GitHub may redeliver. */
  | "failed";

/** A run's end. */
export type FinishedRunStatus = Extract<RunStatus, "succeeded" | "failed" | "cancelled">;

/**
 * Where the app's counters go. Every method is cheap and synchronous, never throws, and takes
 * only bounded values: event names the app handles, statuses, action kinds, installation ids
 * (the implementation caps how many it keeps). No repository names, no tokens.
 */
export interface Metrics {
  /** A webhook delivery of `event` (the X-GitHub-Event name) reached its handler. */
  deliveryRecorded(event: string, outcome: DeliveryOutcome): void;
  /** A pending run started. */
  runStarted(): void;
  /** A run ended (committed). */
  runFinished(status: FinishedRunStatus): void;
  /**
   * One execution of a step in this process ended: `kind` is the action kind for an action step,
   * else the step type; `status` the record it left (succeeded, failed, waiting); `seconds` the
   * time it took here (not the time it waited for people or events).
   */
  stepFinished(kind: string, status: StepStatus, seconds: number): void;
  /** A GitHub API call of an installation answered (`status`: its HTTP status; undefined: no answer, a network error). */
  githubCall(installationId: number, status: number | undefined): void;
  /** GitHub said how many requests the installation has left (`x-ratelimit-remaining`). */
  rateLimit(installationId: number, remaining: number): void;
  /**
   * A reconcile pass ended, with what it counted (engine/reconcile.ts's figures: `listed`,
   * `redelivered`, …): each field name becomes a label value, so only names the code chooses,
   * never data (a repository, an id).
   */
  reconcilePass<F extends { readonly [K in keyof F]: number }>(figures: F): void;
}

/** Metrics that go nowhere: the default of every caller. */
export const noMetrics: Metrics = {
  deliveryRecorded() {},
  runStarted() {},
  runFinished() {},
  stepFinished() {},
  githubCall() {},
  rateLimit() {},
  reconcilePass() {},
};

/** The label a step's execution is counted under: its action kind, else its type. */
export function stepKind(record: { type: StepType; kind?: string }): string {
  return record.kind ?? record.type;
}
