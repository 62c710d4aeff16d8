/**
 * `governance worker`: a process that executes runs (the worker and the scheduler) over the
 * app's database without serving webhooks, so web and worker roles scale apart. Any number of
 * them may share the database with the app (`npm start`, with `GOVERNANCE_ENGINE=off` for a
 * web-only process): jobs are leased, a run advances in one process at a time, a schedule tick
 * fires once, and a process that dies has its jobs taken back.
 */
import { createProbot } from "probot";
import { appLogger } from "./app-log.js";
import { loadOperatorConfig } from "./config/operator-config.js";
import { AppOctokit } from "./github/app-octokit.js";
import { createMetrics } from "./metrics/prom-metrics.js";
import { startMetricsServer } from "./metrics/metrics-server.js";
import { metricsText } from "./metrics/thread-bridge.js";
import { createServices } from "./services.js";
import { loadDotEnv, reconcileIntervalMsFromEnv, shutdownGraceMsFromEnv, startupProblem } from "./startup.js";
import { DEFAULT_DATABASE_URL, openStore, parseDatabaseUrl } from "./store/open-store.js";
import { startWatchdog, stallMsFromEnv } from "./watchdog.js";
import { prepareSchemaValidator } from "./workflows/index.js";

export const WORKER_USAGE = `Usage: governance worker

Executes runs (deliveries, steps, waits, schedules) over the app's database without serving
webhooks or the API: start as many as the work needs beside the app (npm start, with
GOVERNANCE_ENGINE=off when the app itself should run no engine). Reads the app's settings from
the environment and ./.env: DATABASE_URL (a file every process can reach; not sqlite::memory:),
APP_ID and PRIVATE_KEY (GitHub), GOVERNANCE_CONFIG, GHE_HOST. Stops on SIGTERM or SIGINT: the
jobs in hand get GOVERNANCE_SHUTDOWN_GRACE_SECONDS (default 8) to finish, then go back to
the queue.

Exit status: 0 stopped, 2 a setting that cannot be used.`;

interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Runs the worker process until a signal stops it; resolves with its exit status. */
export async function runWorkerProcess(args: readonly string[], io: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout.write(`${WORKER_USAGE}\n`);
    return 0;
  }
  if (args.length > 0) {
    io.stderr.write(`governance: worker: unexpected argument ${JSON.stringify(args[0])} (see "governance worker --help")\n`);
    return 2;
  }
  loadDotEnv(process.cwd(), env);
  const databaseUrl = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const problem = startupProblem(env) ?? (parseDatabaseUrl(databaseUrl).filename === ":memory:" ? "DATABASE_URL=sqlite::memory: is this process's own memory: a worker needs the database the app uses" : undefined) ?? metricsPortProblem(env);
  if (problem) {
    io.stderr.write(`governance: worker: cannot start: ${problem}\n`);
    return 2;
  }
  const log = await appLogger(env);
  const probot = createProbot({ env: { ...env, LOG_LEVEL: env.LOG_LEVEL || "info" }, overrides: { Octokit: AppOctokit, log } });
  const store = await openStore(databaseUrl);
  // This process's counters (runs, steps, GitHub calls), on a port of its own when GOVERNANCE_METRICS_PORT says so.
  const metrics = createMetrics({ processMetrics: true });
  const services = createServices(probot, { store, config: loadOperatorConfig(env), log, reconcileIntervalMs: reconcileIntervalMsFromEnv(env), metrics });
  const metricsPort = env.GOVERNANCE_METRICS_PORT?.trim() ? Number(env.GOVERNANCE_METRICS_PORT) : undefined;
  // The server listens on HOST, as the app does (Probot's default: localhost).
  const metricsServer = metricsPort === undefined ? undefined : await startMetricsServer({ port: metricsPort, read: metricsText(metrics.registry) });
  const stallMs = stallMsFromEnv(env);
  const watchdog = stallMs === undefined ? undefined : startWatchdog({ stallMs, message: `governance worker: no progress for ${stallMs} ms; killing the process so that it is restarted` });
  prepareSchemaValidator();
  services.worker.start();
  services.scheduler.start();
  await services.startMaintenance();
  log.info({ pid: process.pid }, "governance worker started");
  const graceMs = shutdownGraceMsFromEnv(env);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal, graceMs }, `stopping on ${signal}: no new jobs are claimed; the jobs in hand get ${graceMs / 1000} s`);
      // A stop that hangs (a bug) must not outlive the supervisor's patience.
      setTimeout(() => process.exit(1), graceMs + 5_000).unref();
      void (async () => {
        await watchdog?.stop();
        await metricsServer?.close();
        await services.scheduler.stop();
        await services.worker.stop({ graceMs });
        await store.close();
        log.info({ signal }, "governance worker stopped");
        resolve();
      })();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}

/** GOVERNANCE_METRICS_PORT, when set, must be a TCP port. */
function metricsPortProblem(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.GOVERNANCE_METRICS_PORT?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `GOVERNANCE_METRICS_PORT must be a TCP port (1 to 65535), not ${JSON.stringify(env.GOVERNANCE_METRICS_PORT)}`;
}
