import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { loadOperatorConfig, OperatorConfigError } from "./config/operator-config.js";

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
  return undefined;
}
