/**
 * The app's composition root, loaded by Probot (`npm start`): `governanceApp` registers the
 * webhook handlers, the webhook endpoint and the health route on a runtime (tests give fakes);
 * the default export opens the store, starts the engine (in its own thread or this one) and shuts it down gracefully.
 */
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { createAuthenticator, githubApiBaseUrl } from "./api/auth/authenticator.js";
import type { Authenticator } from "./api/caller.js";
import { healthHandler } from "./api/health.js";
import { heartbeatAlive, readyHandler } from "./api/ready.js";
import { restApi } from "./api/rest-api.js";
import type { AppDirectory } from "./domain/app-directory.js";
import { appDirectory } from "./github/app-directory.js";
import { loadOperatorConfig } from "./config/operator-config.js";
import type { WebhookLimits } from "./handlers/limits.js";
import { registerWebhooks } from "./handlers/register.js";
import { installWebhookMiddleware } from "./http/webhook-middleware.js";
import type { ServiceOptions } from "./services.js";
import type { Clock, Store } from "./domain/ports.js";
import { ENGINE_BEAT_MS, startEngineThread } from "./engine-thread.js";
import type { Metrics } from "./domain/metrics-port.js";
import { metricsHandler } from "./metrics/metrics-handler.js";
import { createMetrics } from "./metrics/prom-metrics.js";
import { metricsText, type MetricsText } from "./metrics/thread-bridge.js";
import { engineEnabled, reconcileIntervalMsFromEnv, shutdownGraceMsFromEnv } from "./startup.js";
import { queueUnindexedInstallations } from "./engine/schedule-index.js";
import { DEFAULT_DATABASE_URL, openStore, parseDatabaseUrl } from "./store/open-store.js";
import { WriteGate } from "./store/write-gate.js";
import { VERSION } from "./version.js";
import { startWatchdog, stallMsFromEnv } from "./watchdog.js";

/** What the app's routes and handlers run on: the store, and a way to start and wake the engine (in this thread, or its own). */
export interface AppRuntime {
  store: Store;
  clock: Clock;
  worker: { start(): void; notify(): void };
  scheduler: { start(): void };
  /** Tells the engine a repository's default-branch policy may have changed. */
  policyChanged?(repository: string): void;
  /** Whether this process's engine is alive, for /readyz (absent: it runs on the server's own loop, or there is none). */
  workerAlive?(): boolean;
}

/**
 * The app with its services given: registers the routes and webhook handlers and starts the
 * worker. Tests call this with an in-memory store and fakes.
 */
export function governanceApp(
  services: AppRuntime,
  options: {
    startWorker?: boolean;
    appId?: number;
    /** Lower webhook bounds, for tests. */
    webhookLimits?: Partial<WebhookLimits>;
    /** The REST API's credentials check and directory (default: GitHub user tokens only, and the Probot app's own credentials). */
    api?: { authenticator?: Authenticator; directory?: AppDirectory; knownScripts?: ReadonlySet<string> };
    /** Where deliveries are counted, and what `GET /metrics` serves (absent: no /metrics route). */
    metrics?: { recorder: Metrics; read: () => Promise<MetricsText> };
  } = {},
): ApplicationFunction {
  return (app: Probot, { addHandler }: ApplicationFunctionOptions) => {
    const route = registerWebhooks(app, {
      store: services.store,
      clock: services.clock,
      wake: () => services.worker.notify(),
      appId: options.appId,
      policyChanged: (repository) => services.policyChanged?.(repository),
      metrics: options.metrics?.recorder,
    });
    // The server's webhook endpoint: bounded and quiet, and straight to the handlers (Probot's
    // own dispatch still serves app.receive).
    installWebhookMiddleware(app, { limits: options.webhookLimits, route });
    addHandler?.(healthHandler(VERSION));
    addHandler?.(
      readyHandler(
        { database: () => services.store.ping(), migrations: () => services.store.migrationsApplied(), workerAlive: () => services.workerAlive?.() ?? true },
        { log: app.log },
      ),
    );
    // Prometheus, on the app's port: counts and statuses only, no secrets (see metrics-handler.ts).
    if (options.metrics) addHandler?.(metricsHandler(options.metrics.read));
    addHandler?.(
      restApi({
        store: services.store,
        clock: services.clock,
        log: app.log,
        authenticator: options.api?.authenticator ?? createAuthenticator({ tokens: [], github: { baseUrl: githubApiBaseUrl(process.env) } }),
        directory: options.api?.directory ?? appDirectory(app),
        wake: () => services.worker.notify(),
        knownScripts: options.api?.knownScripts,
      }),
    );
    if (options.startWorker ?? true) {
      services.worker.start();
      services.scheduler.start();
    }
    app.log.info({ version: VERSION }, "governance workflow engine loaded");
  };
}

/**
 * The Probot application function `npm start` loads: the composition root. Configuration comes
 * from the environment: DATABASE_URL (default sqlite:./data/governance.db) and GOVERNANCE_CONFIG.
 */
export default async function app(probot: Probot, options: ApplicationFunctionOptions): Promise<void> {
  const config = loadOperatorConfig(process.env);
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const threaded = engineEnabled(process.env) && engineInThread(databaseUrl, process.env);
  // With the engine in its own thread, a delivery's commit goes before the engine's next one.
  const gate = threaded ? WriteGate.createBuffer() : undefined;
  const store = await openStore(databaseUrl, gate ? { writeGate: new WriteGate(gate, "priority") } : {});
  const appId = process.env.APP_ID ? Number(process.env.APP_ID) : undefined;
  const stallMs = stallMsFromEnv(process.env);
  const watchdog = stallMs === undefined ? undefined : startWatchdog({ stallMs });
  const graceMs = shutdownGraceMsFromEnv(process.env);
  // This thread's metrics: deliveries, the process, and the store's figures (read on each scrape).
  const metrics = createMetrics({ processMetrics: true, figures: store });
  let readMetrics = metricsText(metrics.registry);
  let stopEngine: (graceMs: number) => Promise<void>;
  let runtime: AppRuntime;
  if (!engineEnabled(process.env)) {
    // A web-only process: it records deliveries and serves the API; `governance worker`
    // processes on the same database execute them (they poll for new jobs).
    runtime = { store, clock: { now: () => new Date() }, worker: { start() {}, notify() {} }, scheduler: { start() {} } };
    stopEngine = async () => {};
    probot.log.info("GOVERNANCE_ENGINE=off: this process runs no engine; governance worker processes execute the runs");
  } else if (gate) {
    // The engine on its own thread and connection: acknowledging a webhook never waits on run work.
    const engine = startEngineThread(databaseUrl, probot.log, gate);
    readMetrics = metricsText(metrics.registry, () => engine.metrics());
    runtime = {
      store,
      clock: { now: () => new Date() },
      worker: engine,
      scheduler: { start() {} },
      policyChanged: (repository) => engine.policyChanged(repository),
      // Stalled after six missed beats: the thread's loop has not turned for 30 s.
      workerAlive: heartbeatAlive(() => engine.lastBeat(), 6 * ENGINE_BEAT_MS),
    };
    stopEngine = (ms) => engine.stop(ms);
  } else {
    // Loaded only here: with the engine in its thread, this thread never holds the engine's code.
    const { createServices } = await import("./services.js");
    const services = createServices(probot, { store, config, reconcileIntervalMs: reconcileIntervalMsFromEnv(process.env), metrics } satisfies ServiceOptions);
    (await import("./workflows/index.js")).prepareSchemaValidator();
    runtime = services;
    await services.startMaintenance();
    stopEngine = async (ms) => {
      await services.scheduler.stop();
      await services.worker.stop({ graceMs: ms });
    };
  }
  const api = {
    authenticator: createAuthenticator({ tokens: config.api?.tokens ?? [], github: { baseUrl: githubApiBaseUrl(process.env) } }),
    knownScripts: new Set(Object.keys(config.scripts?.commands ?? {})),
  };
  await governanceApp(runtime, { appId, api, metrics: { recorder: metrics, read: readMetrics } })(probot, options);
  // In the background: the server must not wait on GitHub to start listening.
  void indexExistingInstallations(probot, runtime);
  const stop = async (signal: string) => {
    probot.log.info({ signal, graceMs }, `shutting down on ${signal}: no new jobs are claimed; the jobs in hand get ${graceMs / 1000} s to finish (GOVERNANCE_SHUTDOWN_GRACE_SECONDS)`);
    // A stop that hangs (a bug) must not outlive the supervisor's patience: exit anyway.
    setTimeout(() => {
      probot.log.error({ signal }, "the shutdown did not finish in time; exiting");
      process.exit(1);
    }, graceMs + SHUTDOWN_MARGIN_MS).unref();
    await watchdog?.stop();
    await stopEngine(graceMs);
    await store.close();
    probot.log.info({ signal }, "stopped");
  };
  process.once("SIGTERM", () => void stop("SIGTERM").finally(() => process.exit(0)));
  process.once("SIGINT", () => void stop("SIGINT").finally(() => process.exit(0)));
}

/** What a shutdown may take beyond the jobs' grace period (cutting jobs off, closing the store) before the process exits regardless. */
const SHUTDOWN_MARGIN_MS = 5_000;

/** The engine gets a thread of its own unless the database lives in this thread's memory, or GOVERNANCE_ENGINE_THREAD=off. */
export function engineInThread(databaseUrl: string, env: NodeJS.ProcessEnv): boolean {
  if (env.GOVERNANCE_ENGINE_THREAD?.trim().toLowerCase() === "off") return false;
  return parseDatabaseUrl(databaseUrl).filename !== ":memory:";
}

/**
 * Installations made before this process (or while it was down) send no event of their own:
 * ask GitHub for the list at start (one request per hundred installations) and queue a
 * refresh of the schedule index of each one never indexed, as maintenance. The index
 * persists, so a restart reads no repository again: events keep it current.
 */
async function indexExistingInstallations(probot: Probot, services: Pick<AppRuntime, "store" | "worker">): Promise<void> {
  try {
    const octokit = await probot.auth();
    const installations = await octokit.paginate(octokit.rest.apps.listInstallations, { per_page: 100 });
    const queued = await queueUnindexedInstallations(services.store, installations.map((i) => i.id));
    services.worker.notify();
    probot.log.info({ installations: installations.length, queued }, "schedule index refresh queued for the installations never indexed");
  } catch (err) {
    // Without credentials (setup mode, tests) there is nothing to index; say so and go on.
    probot.log.warn({ error: (err as Error).message }, "could not list installations to index their schedules");
  }
}
