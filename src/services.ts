/**
 * Builds the services the engine runs on: the worker with the engine's and the schedule
 * index's jobs, the scheduler, the notifier, and per-installation GitHub ports (paced, and
 * cached so an installation authenticates once).
 */
import type { Probot } from "probot";
import { ACTIONS } from "./actions/index.js";
import { emptyOperatorConfig, type OperatorConfig } from "./config/operator-config.js";
import type { Delivery } from "./domain/events.js";
import type { Clock, GitHubPort, GitHubPortFactory, Logger, Notifier, Store } from "./domain/ports.js";
import { noMetrics, type Metrics } from "./domain/metrics-port.js";
import { countGitHubCalls } from "./github/call-metrics.js";
import { engineGiveUps, engineJobs } from "./engine/jobs.js";
import { catalogueRecorder } from "./engine/org-wide.js";
import { WorkflowSource } from "./engine/workflow-source.js";
import { checkRunReporter } from "./github/check-reporter.js";
import { octokitPort } from "./github/octokit-port.js";
import { pacedPort } from "./github/paced-port.js";
import { Pacer } from "./github/pacer.js";
import { reportValidation } from "./github/validation-reporter.js";
import { WebhookNotifier } from "./notify/webhook-notifier.js";
import { DEFAULT_RECONCILE_INTERVAL_MS, reconcileJobs, startReconcile } from "./engine/reconcile-jobs.js";
import { retentionJobs, scheduleRetention } from "./engine/retention.js";
import { Scheduler } from "./engine/scheduler.js";
import { appHooks } from "./github/app-hooks.js";
import { handledEvents } from "./handlers/delivery.js";
import { SCHEDULE_EVENTS } from "./handlers/schedule-events.js";
import { scheduleJobs } from "./engine/schedule-index.js";
import { Worker } from "./queue/worker.js";
import { SandboxScriptRunner } from "./sandbox/script-runner.js";

/** Everything the app runs on, built once at start (or by a test, with fakes). */
export interface Services {
  store: Store;
  clock: Clock;
  notifier: Notifier;
  worker: Worker;
  /** Turns due onSchedule triggers into deliveries (started by the app, not by tests). */
  scheduler: Scheduler;
  log: Logger;
  /** A repository's default-branch policy may have changed: read it again on the next delivery. */
  policyChanged(repository: string): void;
  /** Queues the first of the periodic maintenance jobs (each queues its successor): where an engine runs, at its start. */
  startMaintenance(): Promise<void>;
}

export interface ServiceOptions {
  store: Store;
  config?: OperatorConfig;
  clock?: Clock;
  notifier?: Notifier;
  log?: Logger;
  /** How to reach GitHub for an installation (default: the Probot app's installation Octokit); paced either way. */
  githubFor?: GitHubPortFactory;
  /** Jobs at once (default: the operator configuration's engine.concurrency). */
  concurrency?: number;
  /** How often missed webhook deliveries are looked for, in ms (default 10 minutes; 0: never). */
  reconcileIntervalMs?: number;
  /** Where the engine counts runs, steps, GitHub calls and reconcile passes (default: nowhere). */
  metrics?: Metrics;
}

/** The composition root's wiring: the engine's jobs on a worker, over the given store. */
export function createServices(app: Probot, options: ServiceOptions): Services {
  const clock = options.clock ?? { now: () => new Date() };
  const log: Logger = options.log ?? app.log;
  const notifier = options.notifier ?? new WebhookNotifier(options.config ?? emptyOperatorConfig());
  const config = options.config ?? emptyOperatorConfig();
  // GitHub's limits, per installation: content-creating requests are paced, rate-limit answers
  // reschedule the work. Waiting never holds a worker slot.
  // Shared with the deployment's other live workers (processes on one database): each paces to its part.
  const pacer = new Pacer({ perMinute: config.github.contentCreatesPerMinute, perHour: config.github.contentCreatesPerHour }, clock, liveWorkerCount(options.store, clock, log));
  const metrics = options.metrics ?? noMetrics;
  const reach: GitHubPortFactory = options.githubFor ?? installationPorts(app, metrics);
  const githubFor: GitHubPortFactory = async (installationId) => pacedPort(await reach(installationId), installationId, pacer, clock);
  // The operator's scripts, sandboxed. With a known configuration, a workflow naming any other script is invalid.
  const scripts = config.scripts ? new SandboxScriptRunner(config.scripts) : undefined;
  const knownScripts = options.config ? new Set(Object.keys(config.scripts?.commands ?? {})) : undefined;
  const source = new WorkflowSource(undefined, undefined, undefined, undefined, { knownScripts, onDefaultBranchRead: catalogueRecorder(options.store, clock, log) });
  const engineDeps = {
    store: options.store,
    clock,
    log,
    source,
    notifier,
    scripts,
    ...(config.tasks ? { taskDueMs: config.tasks.dueMsBySeverity } : {}),
    actions: ACTIONS,
    metrics,
    githubFor,
    reportValidation,
    reporterFor: (github: GitHubPort, delivery: Delivery) => checkRunReporter(github, delivery.repository, { store: options.store, clock }),
  };
  const jobs = engineJobs(engineDeps);
  const schedules = scheduleJobs({ store: options.store, source, clock, log, githubFor });
  // Missed webhook deliveries, asked of GitHub with the app's own credentials.
  const handled = new Set<string>([...handledEvents(), ...SCHEDULE_EVENTS]);
  const reconcileIntervalMs = options.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  const reconcile = reconcileJobs({ hooks: appHooks(app), store: options.store, clock, log, handled: (event) => handled.has(event), metrics }, { intervalMs: reconcileIntervalMs || DEFAULT_RECONCILE_INTERVAL_MS });
  const worker = new Worker({
    store: options.store,
    handlers: { ...jobs, ...schedules, ...reconcile, ...retentionJobs({ store: options.store, clock, log }) },
    onGiveUp: engineGiveUps(engineDeps),
    concurrency: options.concurrency ?? config.engine.concurrency,
    clock,
    log,
  });
  const scheduler = new Scheduler({ store: options.store, clock, log, wake: () => worker.notify() });
  const startMaintenance = async () => {
    if (reconcileIntervalMs > 0) await startReconcile(options.store, clock, reconcileIntervalMs);
    await scheduleRetention(options.store, clock);
  };
  return { store: options.store, clock, notifier, worker, scheduler, log, policyChanged: (repository) => source.forget(repository), startMaintenance };
}

/** Installation clients kept, most recently used last. */
const INSTALLATION_CLIENTS = 5_000;

/**
 * One GitHub port per installation, kept: authenticating an installation (a signed JWT, a token
 * request) is done once, not per job. The client's auth strategy renews the token when it
 * expires.
 */
function installationPorts(app: Probot, metrics: Metrics): GitHubPortFactory {
  const ports = new Map<number, Promise<GitHubPort>>();
  return (installationId) => {
    let port = ports.get(installationId);
    if (port) {
      ports.delete(installationId);
    } else {
      port = app.auth(installationId).then((octokit) => octokitPort(countGitHubCalls(octokit, installationId, metrics)));
      // A failed authentication is not kept: the next job tries again.
      port.catch(() => ports.get(installationId) === port && ports.delete(installationId));
      if (ports.size >= INSTALLATION_CLIENTS) ports.delete(ports.keys().next().value!);
    }
    ports.set(installationId, port);
    return port;
  };
}

/** How long the count of live workers is used before it is read again; a worker counts while its heartbeat (every 10 s) is younger than LIVE_WINDOW_MS. */
const LIVE_COUNT_TTL_MS = 15_000;
const LIVE_WINDOW_MS = 45_000;

/**
 * The number of live workers across the deployment, for the pacer: read from the store at most
 * every LIVE_COUNT_TTL_MS, in the background (the pacer never waits); 1 until the first answer.
 */
function liveWorkerCount(store: Store, clock: Clock, log: Logger): () => number {
  let count = 1;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading = false;
  return () => {
    const now = clock.now().getTime();
    if (!reading && now - readAt >= LIVE_COUNT_TTL_MS) {
      reading = true;
      readAt = now;
      store
        .liveWorkers(new Date(now - LIVE_WINDOW_MS))
        .then((n) => (count = Math.max(1, n)))
        .catch((err: unknown) => log.warn({ err }, "could not count the live workers; pacing keeps the last count"))
        .finally(() => (reading = false));
    }
    return count;
  };
}
