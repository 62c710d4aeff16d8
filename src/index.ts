import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { healthHandler } from "./api/health.js";
import { loadOperatorConfig } from "./config/operator-config.js";
import { JOB_PRIORITY } from "./domain/ports.js";
import type { WebhookLimits } from "./handlers/limits.js";
import { registerWebhooks } from "./handlers/register.js";
import { installWebhookMiddleware } from "./http/webhook-middleware.js";
import { createServices, type ServiceOptions, type Services } from "./services.js";
import { openStore } from "./store/open-store.js";
import { VERSION } from "./version.js";
import { startWatchdog, stallMsFromEnv } from "./watchdog.js";

/**
 * The app with its services given: registers the routes and webhook handlers and starts the
 * worker. Tests call this with an in-memory store and fakes.
 */
export function governanceApp(
  services: Services,
  options: { startWorker?: boolean; appId?: number; /** Lower webhook bounds, for tests. */ webhookLimits?: Partial<WebhookLimits> } = {},
): ApplicationFunction {
  return (app: Probot, { addHandler }: ApplicationFunctionOptions) => {
    // The server's webhook endpoint: bounded and quiet, in front of Probot's own event dispatch.
    installWebhookMiddleware(app, { limits: options.webhookLimits });
    addHandler?.(healthHandler(VERSION));
    registerWebhooks(app, { store: services.store, clock: services.clock, wake: () => services.worker.notify(), appId: options.appId });
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
  const store = await openStore(process.env.DATABASE_URL);
  const serviceOptions: ServiceOptions = { store, config };
  const services = createServices(probot, serviceOptions);
  const appId = process.env.APP_ID ? Number(process.env.APP_ID) : undefined;
  await governanceApp(services, { appId })(probot, options);
  // In the background: the server must not wait on GitHub to start listening.
  void indexExistingInstallations(probot, services);
  const stallMs = stallMsFromEnv(process.env);
  const watchdog = stallMs === undefined ? undefined : startWatchdog({ stallMs });
  const stop = async () => {
    await watchdog?.stop();
    await services.scheduler.stop();
    await services.worker.stop();
    await store.close();
  };
  process.once("SIGTERM", () => void stop().finally(() => process.exit(0)));
  process.once("SIGINT", () => void stop().finally(() => process.exit(0)));
}

/**
 * Installations made before this process (or while it was down) send no event of their own:
 * ask GitHub for the list at start (one request per hundred installations) and queue a
 * refresh of the schedule index of each one never indexed, as maintenance. The index
 * persists, so a restart reads no repository again: events keep it current.
 */
async function indexExistingInstallations(probot: Probot, services: Services): Promise<void> {
  try {
    const octokit = await probot.auth();
    const installations = await octokit.paginate(octokit.rest.apps.listInstallations, { per_page: 100 });
    const unindexed = await services.store.unindexedInstallations(installations.map((i) => i.id));
    for (const installationId of unindexed) {
      await services.store.enqueue({
        type: "refresh-installation-schedules",
        payload: { installationId },
        installationId,
        priority: JOB_PRIORITY.maintenance,
      });
    }
    services.worker.notify();
    probot.log.info({ installations: installations.length, queued: unindexed.length }, "schedule index refresh queued for the installations never indexed");
  } catch (err) {
    // Without credentials (setup mode, tests) there is nothing to index; say so and go on.
    probot.log.warn({ error: (err as Error).message }, "could not list installations to index their schedules");
  }
}
