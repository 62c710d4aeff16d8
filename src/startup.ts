/**
 * Checks the environment before the app starts; returns why it must not start, if anything.
 * Probot itself reads APP_ID, PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST,
 * LOG_LEVEL, GHE_HOST and GHE_PROTOCOL (and loads .env).
 */
export function startupProblem(env: NodeJS.ProcessEnv): string | undefined {
  // Without a secret Probot would accept webhooks signed with the word "development".
  if (env.NODE_ENV === "production" && !env.WEBHOOK_SECRET) {
    return "WEBHOOK_SECRET is not set. In production every webhook must be verified: set WEBHOOK_SECRET to the secret configured in the GitHub App's settings.";
  }
  return undefined;
}
