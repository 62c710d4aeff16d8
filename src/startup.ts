/**
 * Checks before the app starts (main.ts): loads `.env`, then refuses to start without a
 * WEBHOOK_SECRET in production or with a setting that cannot be used; and the shutdown grace period.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { loadOperatorConfig, OperatorConfigError } from "./config/operator-config.js";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "./store/open-store.js";
import { stallMsFromEnv } from "./watchdog.js";

/**
 * Adds the variables of `<dir>/.env` to `env` without overriding those already set, as Probot
 * does later; loading it first lets the checks below see the environment the app will run with.
 */
export function loadDotEnv(dir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = join(dir, ".env");
  if (!existsSync(file)) return env;
  const parsed = parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
  for (const [key, value] of Object.entries(parsed)) if (env[key] === undefined) env[key] = value;
  return env;
}

/**
 * Checks the environment before the app starts; returns why it must not start, if anything.
 * Probot itself reads APP_ID, PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST,
 * LOG_LEVEL, GHE_HOST and GHE_PROTOCOL.
 */
export function startupProblem(env: NodeJS.ProcessEnv): string | undefined {
  // Without a secret Probot would accept webhooks signed with the word "development".
  if (env.NODE_ENV === "production" && !env.WEBHOOK_SECRET) {
    return "WEBHOOK_SECRET is not set. In production every webhook must be verified: set WEBHOOK_SECRET to the secret configured in the GitHub App's settings.";
  }
  try {
    loadOperatorConfig(env);
  } catch (err) {
    if (err instanceof OperatorConfigError) return `the operator configuration (GOVERNANCE_CONFIG) is not valid:\n${err.message}`;
    throw err;
  }
  // The other settings the app reads as it starts, each refused with its variable's name.
  for (const check of [() => parseDatabaseUrl(env.DATABASE_URL ?? DEFAULT_DATABASE_URL), () => stallMsFromEnv(env), () => shutdownGraceMsFromEnv(env), () => engineEnabled(env), () => reconcileIntervalMsFromEnv(env)]) {
    try {
      check();
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (!engineEnabled(env) && parseDatabaseUrl(env.DATABASE_URL ?? DEFAULT_DATABASE_URL).filename === ":memory:") {
    return "GOVERNANCE_ENGINE=off with DATABASE_URL=sqlite::memory:: no worker process can reach this process's memory, so nothing would run; point DATABASE_URL at a file";
  }
  return undefined;
}

/** Whether this process runs the engine: GOVERNANCE_ENGINE=off makes a web-only process (its runs are executed by `governance worker` processes). */
export function engineEnabled(env: NodeJS.ProcessEnv): boolean {
  const value = env.GOVERNANCE_ENGINE?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "on") return true;
  if (value === "off") return false;
  throw new Error(`GOVERNANCE_ENGINE must be on or off, not ${JSON.stringify(env.GOVERNANCE_ENGINE)}`);
}

/** How long a stop (SIGTERM, SIGINT) gives the jobs in hand, unless GOVERNANCE_SHUTDOWN_GRACE_SECONDS says otherwise: under `docker stop`'s 10 s. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 8_000;

/** `GOVERNANCE_SHUTDOWN_GRACE_SECONDS`: seconds, 0 to 3600 (0: cut the jobs in hand off at once); unset means 8. */
export function shutdownGraceMsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.GOVERNANCE_SHUTDOWN_GRACE_SECONDS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_SHUTDOWN_GRACE_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new Error(`GOVERNANCE_SHUTDOWN_GRACE_SECONDS must be a number of seconds from 0 to 3600, not ${JSON.stringify(raw.slice(0, 20))}`);
  }
  return Math.round(seconds * 1000);
}

/** `GOVERNANCE_RECONCILE_MINUTES`: how often missed webhook deliveries are looked for, 0 (never) to 1440; unset means 10. */
export function reconcileIntervalMsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.GOVERNANCE_RECONCILE_MINUTES;
  if (raw === undefined || raw.trim() === "") return 10 * 60_000;
  const minutes = Number(raw);
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 1440) {
    throw new Error(`GOVERNANCE_RECONCILE_MINUTES must be a whole number of minutes from 0 (never) to 1440, not ${JSON.stringify(raw)}`);
  }
  return minutes * 60_000;
}
