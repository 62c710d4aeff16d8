/** The engine's retry policy: which errors are worth another try, and the exponential backoff before it. */
import { ActionError } from "../actions/index.js";
import { ExpressionError } from "../workflows/evaluate.js";

/**
 * Whether trying again could help: rate limits, server errors, timeouts and dropped
 * connections could; a bad parameter, a missing permission or a broken expression cannot.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ExpressionError) return false;
  if (err instanceof ActionError) return err.retriable;
  const e = err as { status?: number; retryable?: boolean; code?: string; name?: string; message?: string };
  if (typeof e.retryable === "boolean") return e.retryable;
  if (typeof e.status === "number") {
    if (e.status === 429 || e.status >= 500) return true;
    // GitHub answers a secondary rate limit with 403 and says so.
    return e.status === 403 && /rate limit/i.test(e.message ?? "");
  }
  return ["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EAI_AGAIN", "UND_ERR_SOCKET"].includes(e.code ?? "") || e.name === "AbortError" || e.name === "TimeoutError";
}

/** The wait before the next try: `backoff` doubled after each further failure, capped at an hour. */
export function retryDelayMs(backoffMs: number, tries: number): number {
  return Math.min(backoffMs * 2 ** Math.max(0, tries - 1), 3_600_000);
}
