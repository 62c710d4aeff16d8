/**
 * The gauges read from the store when scraped: the job queue's depth (due, running, scheduled),
 * the age of its oldest due job, and runs by status. One store read per scrape, shared by the
 * gauges; a failed read keeps the last values and is counted.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { QueueFigures, StoreFigures } from "../domain/figures-port.js";
import type { Clock } from "../domain/ports.js";
import { RUN_STATUSES, type RunStatus } from "../domain/run.js";

const QUEUE_STATES = ["due", "running", "scheduled"] as const;

/** A scrape's figures: asked once by whichever gauge is collected first, shared by the others. */
interface Figures {
  queue: QueueFigures;
  runs: Record<RunStatus, number>;
}

/** Registers the store's gauges on `registry`. */
export function registerStoreGauges(registry: Registry, figures: StoreFigures, clock: Clock): void {
  let failures = 0;
  let inflight: Promise<Figures | undefined> | undefined;
  /** The figures of this scrape: the gauges are collected together, so they share one read. */
  const read = (): Promise<Figures | undefined> => {
    inflight ??= (async () => {
      try {
        const [queue, runs] = await Promise.all([figures.queueFigures(clock.now()), figures.runCounts()]);
        return { queue, runs };
      } catch {
        failures++;
        return undefined;
      } finally {
        // The next scrape reads afresh (after this turn: the other gauges of this one still share it).
        setImmediate(() => (inflight = undefined));
      }
    })();
    return inflight;
  };
  // Each gauge lives in one thread's registry only: "first" keeps an aggregate from summing copies.
  new Gauge({
    name: "governance_queue_jobs",
    help: "Jobs in the queue by state: due (waiting for a worker), running (leased), scheduled (a timer, a retry, a rate-limit wait).",
    labelNames: ["state"],
    aggregator: "first",
    registers: [registry],
    async collect() {
      const f = await read();
      if (f) for (const state of QUEUE_STATES) this.set({ state }, f.queue[state]);
    },
  });
  new Gauge({
    name: "governance_queue_oldest_due_age_seconds",
    help: "How long the oldest due job has been waiting for a worker, in seconds (0 when none is due).",
    aggregator: "first",
    registers: [registry],
    async collect() {
      const f = await read();
      if (f) this.set(f.queue.oldestDueAgeSeconds);
    },
  });
  new Gauge({
    name: "governance_runs",
    help: "Runs in the store by status.",
    labelNames: ["status"],
    aggregator: "first",
    registers: [registry],
    async collect() {
      const f = await read();
      if (f) for (const status of RUN_STATUSES) this.set({ status }, f.runs[status] ?? 0);
    },
  });
  new Counter({
    name: "governance_metrics_store_read_failures_total",
    help: "Scrapes whose read of the store's figures failed (the store gauges kept their last values).",
    registers: [registry],
    // This scrape's failure counts in this scrape: after the read.
    async collect() {
      await read();
      this.reset();
      this.inc(failures);
    },
  });
}
