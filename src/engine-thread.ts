/**
 * Runs the engine (worker and scheduler) in a worker thread of its own, at a lower CPU
 * priority, so acknowledging webhooks never waits on run work; this module is both the main
 * thread's handle and the thread's entry point.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { isMainThread, parentPort, Worker as Thread, workerData } from "node:worker_threads";
import { createProbot } from "probot";
import { loadOperatorConfig } from "./config/operator-config.js";
import { AppOctokit } from "./github/app-octokit.js";
import { createMetrics } from "./metrics/prom-metrics.js";
import { answerMetricsRequest, EngineMetricsClient, isMetricsRequest, type MetricsJson, type MetricsRequest } from "./metrics/thread-bridge.js";
import { createServices } from "./services.js";
import { reconcileIntervalMsFromEnv } from "./startup.js";
import { openStore } from "./store/open-store.js";
import { WriteGate } from "./store/write-gate.js";
import { prepareSchemaValidator } from "./workflows/index.js";
import { startWatchdog, stallMsFromEnv } from "./watchdog.js";

/**
 * The engine in a thread of its own, in the embedded deployment: the worker and the scheduler
 * run here, on their own event loop and their own connection to the SQLite file, so that
 * acknowledging a webhook on the main thread never shares an event loop turn with run work.
 * The main thread records deliveries and tells this thread to look (`notify`).
 */
export interface EngineThread {
  start(): void;
  /** New jobs are queued: the engine looks at once instead of at its next poll. */
  notify(): void;
  /** A repository's default-branch policy may have changed: the engine reads it again. */
  policyChanged(repository: string): void;
  /**
   * Stops the scheduler and the worker, then the thread: the jobs in hand finish and are
   * recorded, or, past `graceMs`, are cut off at a safe point and put back in the queue.
   */
  stop(graceMs?: number): Promise<void>;
  /** The engine thread's metrics (its registry as JSON), or undefined when it did not answer in time. */
  metrics(): Promise<MetricsJson | undefined>;
  /** When the thread last said it is alive (every ENGINE_BEAT_MS while its event loop turns), in ms since the epoch. */
  lastBeat(): number | undefined;
}

type Message = { type: "notify" } | { type: "stop"; graceMs?: number } | { type: "policyChanged"; repository: string } | MetricsRequest;

/**
 * The engine thread's young generation, in MB (V8 splits it into two semi-spaces and a space
 * for large new objects, 8 MB each). V8's default lets each semi-space grow to 16 MB; the
 * engine's objects mostly die young either way (measured: about 18 MB less RSS for a few per
 * cent of runs/s). The old generation is not capped: a capped worker whose native code (a
 * JSON.parse of a large payload, say) allocates past the cap kills the whole process.
 */
const ENGINE_YOUNG_GENERATION_MB = 24;

/** Starts the engine thread over the database at `databaseUrl` (a file: both threads open it). */
export function startEngineThread(databaseUrl: string, log: { error(obj: Record<string, unknown>, msg: string): void }, writeGate?: SharedArrayBuffer): EngineThread {
  let stopping = false;
  let thread: Thread | undefined;
  // The thread's answers to /metrics scrapes come back on its message port.
  /** When the engine thread last said it was alive (its event loop turns). */
  let lastBeat: number | undefined;
  const metricsClient = new EngineMetricsClient((request) => {
    if (!thread) throw new Error("the engine thread is not running");
    thread.postMessage(request satisfies Message);
  });
  const spawn = () => {
    const t = new Thread(new URL(import.meta.url), { workerData: { databaseUrl, writeGate }, resourceLimits: { maxYoungGenerationSizeMb: ENGINE_YOUNG_GENERATION_MB } });
    t.on("error", (err) => log.error({ err }, "the engine thread failed"));
    t.on("message", (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === "alive") lastBeat = Date.now();
      else metricsClient.receive(message);
    });
    t.on("exit", (code) => {
      if (stopping) return;
      // A failure of the engine must not leave the app answering webhooks that nobody works
      // on: start it again. Its jobs come back at once (their worker is gone), each with the
      // attempt it used: one that keeps killing the thread is given up after its attempts.
      log.error({ code }, "the engine thread stopped; starting it again");
      setTimeout(() => {
        if (!stopping) thread = spawn();
      }, 1_000).unref();
    });
    return t;
  };
  return {
    start() {
      thread ??= spawn();
    },
    notify() {
      thread?.postMessage({ type: "notify" } satisfies Message);
    },
    policyChanged(repository) {
      thread?.postMessage({ type: "policyChanged", repository } satisfies Message);
    },
    metrics: () => metricsClient.request(),
    lastBeat: () => lastBeat,
    async stop(graceMs) {
      stopping = true;
      const t = thread;
      if (!t) return;
      const exited = new Promise<void>((resolve) => t.once("exit", () => resolve()));
      t.postMessage({ type: "stop", ...(graceMs === undefined ? {} : { graceMs }) } satisfies Message);
      await exited;
    },
  };
}

/** The thread's side: the services of the app, without its server. */
async function runEngine(): Promise<void> {
  lowerThisThreadsPriority();
  const { databaseUrl, writeGate } = workerData as { databaseUrl: string; writeGate?: SharedArrayBuffer };
  // The server's Probot (run by `npm start`) logs at `info` unless LOG_LEVEL says otherwise;
  // createProbot's own default is `warn`: the engine thread logs as the server does.
  const probot = createProbot({ env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || "info" }, overrides: { Octokit: AppOctokit } });
  // The webhook thread's deliveries go first to the write lock.
  const store = await openStore(databaseUrl, writeGate ? { writeGate: new WriteGate(writeGate, "yield") } : {});
  // This thread's counters (runs, steps, GitHub calls): the main thread asks for them on each scrape.
  const metrics = createMetrics();
  const services = createServices(probot, { store, config: loadOperatorConfig(process.env), reconcileIntervalMs: reconcileIntervalMsFromEnv(process.env), metrics });
  const stallMs = stallMsFromEnv(process.env);
  // A step that never yields stops this thread's loop, not the webhook server's: the watchdog
  // watches this loop too, and restarts the process the same way.
  const watchdog = stallMs === undefined ? undefined : startWatchdog({ stallMs, message: `governance: the engine thread made no progress for ${stallMs} ms; killing the process so that it is restarted` });
  // Before the first job: the first delivery's workflows would otherwise wait on it.
  prepareSchemaValidator();
  services.worker.start();
  services.scheduler.start();
  await services.startMaintenance();
  // Readiness (/readyz) asks whether this thread's loop still turns.
  parentPort!.postMessage({ type: "alive" });
  setInterval(() => parentPort!.postMessage({ type: "alive" }), ENGINE_BEAT_MS).unref();
  parentPort!.on("message", (message: Message) => {
    if (isMetricsRequest(message)) void answerMetricsRequest(metrics.registry, message, parentPort!);
    if (message.type === "notify") services.worker.notify();
    if (message.type === "policyChanged") services.policyChanged(message.repository);
    if (message.type === "stop") {
      void (async () => {
        await watchdog?.stop();
        await services.scheduler.stop();
        await services.worker.stop(message.graceMs === undefined ? {} : { graceMs: message.graceMs });
        await store.close();
        process.exit(0);
      })();
    }
  });
}

/** How often the engine thread says it is alive; /readyz counts it stalled after six missed beats. */
export const ENGINE_BEAT_MS = 5_000;

/** How much lower the engine thread's CPU priority is than the server's (a nice value). */
const ENGINE_NICENESS = 10;

/**
 * Run work yields the CPU to the webhook server: on Linux a thread has a priority of its own
 * (its task id, from /proc/thread-self), so the server thread is served first whenever both
 * want a core, and run work takes whatever is left. Elsewhere, or when not allowed, nothing
 * changes.
 */
function lowerThisThreadsPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, Math.min(19, getPriority(tid) + ENGINE_NICENESS));
  } catch {
    // Not Linux, or not permitted: the engine keeps the process's priority.
  }
}

if (!isMainThread && (workerData as { databaseUrl?: unknown } | null)?.databaseUrl !== undefined) await runEngine();
