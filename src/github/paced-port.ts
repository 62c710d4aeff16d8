/** An installation's GitHub port under GitHub's rate limits: a content-creating call takes a pacer slot or fails at once with a RateLimitError. */
import { RateLimitError } from "../domain/errors.js";
import type { Clock, GitHubPort } from "../domain/ports.js";
import type { Pacer } from "./pacer.js";

/**
 * The port's methods that create content on GitHub: the ones its secondary limits count.
 * updateIssue is one: editing, closing or reopening an issue is content GitHub notifies people
 * of, and its secondary limits count such writes (80 a minute) as they count a comment. The
 * reads (readTextFile, listTeamMembers, filterAssignable) are not.
 */
const CREATES = new Set<keyof GitHubPort>(["createIssue", "createComment", "createCheckRun", "dispatchWorkflow", "updateIssue"]);

/**
 * One installation's GitHub port under GitHub's limits: a content-creating request goes out
 * only when the pacer has a slot for it, and otherwise fails at once with a RateLimitError
 * saying when to come back (nothing was sent). A 403 or 429 that is GitHub's rate limit
 * becomes a RateLimitError too, and holds every request of the installation until the time
 * GitHub named. The engine reschedules the step; no worker slot waits.
 */
export function pacedPort(port: GitHubPort, installationId: number, pacer: Pacer, clock: Clock = { now: () => new Date() }): GitHubPort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        if (CREATES.has(prop as keyof GitHubPort)) {
          const retryAt = pacer.take(installationId);
          if (retryAt) throw new RateLimitError("paced under GitHub's content-creation limit for this installation", retryAt);
        }
        try {
          return await method.apply(target, args);
        } catch (err) {
          const until = rateLimitedUntil(err, clock.now());
          if (!until) throw err;
          pacer.block(installationId, until);
          throw new RateLimitError(`GitHub's rate limit (HTTP ${(err as { status?: number }).status ?? "?"})`, until);
        }
      };
    },
  });
}

/**
 * When GitHub allows the next request, if `err` is its rate limit: a 403 or 429 with
 * `retry-after` (seconds), with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch
 * seconds), or one whose message says so (a minute, GitHub's advice for secondary limits).
 */
export function rateLimitedUntil(err: unknown, now: Date): Date | undefined {
  const e = err as { status?: number; message?: string; response?: { headers?: Record<string, string | number | undefined> } };
  if (e?.status !== 403 && e?.status !== 429) return undefined;
  const headers = e.response?.headers ?? {};
  const header = (name: string) => {
    const value = headers[name];
    return value === undefined ? undefined : Number(value);
  };
  const retryAfter = header("retry-after");
  if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return new Date(now.getTime() + Math.min(retryAfter, 3_600) * 1_000);
  const reset = header("x-ratelimit-reset");
  if (header("x-ratelimit-remaining") === 0 && reset !== undefined && Number.isFinite(reset)) {
    return new Date(Math.min(Math.max(reset * 1_000, now.getTime() + 1_000), now.getTime() + 3_600_000));
  }
  if (e.status === 429 || /rate limit/i.test(e.message ?? "")) return new Date(now.getTime() + 60_000);
  return undefined;
}
