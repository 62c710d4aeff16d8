/**
 * The metrics port over a prom-client Registry of its own (never the global one: a process, or a
 * test, may hold several apps): the counters, histograms and gauges named `governance_*`, with
 * their label values bounded.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { StoreFigures } from "../domain/figures-port.js";
import type { DeliveryOutcome, FinishedRunStatus, Metrics } from "../domain/metrics-port.js";
import type { Clock } from "../domain/ports.js";
import type { StepStatus } from "../domain/run.js";
import { InstallationLabels, LabelPairs, LabelValues, STATUS_CLASSES, statusClass, type InstallationEntry } from "./bounded-labels.js";
import { registerStoreGauges } from "./store-gauges.js";

/** Installations kept as label values by default (the most recently seen). */
export const MAX_INSTALLATIONS = 1_000;

/** Step durations, in seconds: from a decision (microseconds) to a script (minutes). */
const STEP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface MetricsOptions {
  /**
   * The store's figures (queue depth and age, runs by status), read on each scrape. Give them to
   * one registry of the process only (the one that serves /metrics): two would be summed.
   */
  figures?: StoreFigures;
  clock?: Clock;
  /** Node's process metrics (CPU, memory, heap, event loop lag, GC), prefixed `governance_`: the main thread's registry only. */
  processMetrics?: boolean;
  /** Installations kept as label values (default MAX_INSTALLATIONS). */
  maxInstallations?: number;
}

/** The app's metrics: implements the port; `registry` is what /metrics and the thread bridge read. */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();

  private readonly deliveries: Counter<"event" | "outcome">;
  private readonly runsStarted: Counter;
  private readonly runsFinished: Counter<"status">;
  private readonly steps: Histogram<"kind" | "status">;
  private readonly githubCalls: Counter<"installation" | "status">;
  private readonly rateLimitRemaining: Gauge<"installation">;
  private readonly installationsDropped: Counter;
  private readonly reconcilePasses: Counter;
  private readonly reconcileItems: Counter<"figure">;

  private readonly deliveryLabels = new LabelPairs("event", "outcome");
  private readonly stepLabels = new LabelPairs("kind", "status");
  private readonly runLabels = new LabelValues("status", 8);
  private readonly figureLabels = new LabelValues("figure", 32);
  private readonly installations: InstallationLabels;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.deliveries = new Counter({ name: "governance_webhook_deliveries_total", help: "Webhook deliveries that reached their handler, by event and outcome (accepted, duplicate, skipped, invalid, failed).", labelNames: ["event", "outcome"], registers });
    this.runsStarted = new Counter({ name: "governance_runs_started_total", help: "Runs started (pending to running).", registers });
    this.runsFinished = new Counter({ name: "governance_runs_finished_total", help: "Runs ended, by status (succeeded, failed, cancelled).", labelNames: ["status"], registers });
    this.steps = new Histogram({
      name: "governance_step_duration_seconds",
      help: "Time one execution of a step took in the engine, by action kind (or step type) and the status it left (succeeded, failed, waiting); waiting for people or events is not counted.",
      labelNames: ["kind", "status"],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.githubCalls = new Counter({ name: "governance_github_requests_total", help: "GitHub API requests answered, by installation and HTTP status class (error: no answer).", labelNames: ["installation", "status"], registers });
    this.rateLimitRemaining = new Gauge({
      name: "governance_github_rate_limit_remaining",
      help: "Requests the installation has left in GitHub's rate-limit window, from the last answer's x-ratelimit-remaining.",
      labelNames: ["installation"],
      aggregator: "min",
      registers,
    });
    const maxInstallations = options.maxInstallations ?? MAX_INSTALLATIONS;
    this.installationsDropped = new Counter({ name: "governance_metrics_installations_evicted_total", help: `Installations whose series were dropped: only the ${maxInstallations} most recently seen are kept.`, registers });
    this.reconcilePasses = new Counter({ name: "governance_reconcile_passes_total", help: "Reconcile passes ended.", registers });
    this.reconcileItems = new Counter({ name: "governance_reconcile_items_total", help: "What reconcile passes counted, by figure (checked, repaired, ...).", labelNames: ["figure"], registers });
    this.installations = new InstallationLabels(maxInstallations, (entry) => this.evict(entry));
    if (options.figures) registerStoreGauges(this.registry, options.figures, options.clock ?? { now: () => new Date() });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: "governance_" });
  }

  deliveryRecorded(event: string, outcome: DeliveryOutcome): void {
    this.deliveries.inc(this.deliveryLabels.get(event, outcome));
  }

  runStarted(): void {
    this.runsStarted.inc();
  }

  runFinished(status: FinishedRunStatus): void {
    this.runsFinished.inc(this.runLabels.get(status));
  }

  stepFinished(kind: string, status: StepStatus, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.steps.observe(this.stepLabels.get(kind, status), seconds);
  }

  githubCall(installationId: number, status: number | undefined): void {
    this.githubCalls.inc(this.installations.get(installationId).calls[statusClass(status)]);
  }

  rateLimit(installationId: number, remaining: number): void {
    if (Number.isFinite(remaining)) this.rateLimitRemaining.set(this.installations.get(installationId).labels, remaining);
  }

  reconcilePass<F extends { readonly [K in keyof F]: number }>(figures: F): void {
    this.reconcilePasses.inc();
    for (const figure in figures) {
      const value: unknown = figures[figure];
      if (typeof value === "number" && Number.isFinite(value) && value >= 0) this.reconcileItems.inc(this.figureLabels.get(figure), value);
    }
  }

  /** An installation past the cap: its series go. */
  private evict(entry: InstallationEntry): void {
    this.installationsDropped.inc();
    for (const status of STATUS_CLASSES) this.githubCalls.remove(entry.calls[status]);
    this.rateLimitRemaining.remove(entry.labels);
  }
}

/** The app's metrics over a registry of their own. */
export function createMetrics(options: MetricsOptions = {}): PromMetrics {
  return new PromMetrics(options);
}
