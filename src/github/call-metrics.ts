/**
 * Counts an installation's GitHub requests for the metrics, by HTTP status, and keeps its
 * rate-limit remaining (`x-ratelimit-remaining`) from every answer that has it, errors included.
 */
import type { ProbotOctokit } from "probot";
import type { Metrics } from "../domain/metrics-port.js";

/** What of an answer (or an error's `response`) is read. */
interface Answer {
  status?: number;
  headers?: Record<string, string | number | undefined>;
}

/**
 * Hooks `octokit`'s requests (REST, GraphQL, pagination: each page) into `metrics` under
 * `installationId`, and returns it. Outside Octokit's own retries: a request retried after a
 * server error counts once, with its last answer.
 */
export function countGitHubCalls<O extends ProbotOctokit>(octokit: O, installationId: number, metrics: Metrics): O {
  octokit.hook.wrap("request", async (request, options) => {
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(options);
    } catch (err) {
      const response = (err as { response?: Answer } | undefined)?.response;
      // An error without an answer (a network error, a timeout) counts as `error`, whatever status Octokit gave it.
      metrics.githubCall(installationId, response ? Number((err as { status?: unknown }).status) : undefined);
      if (response) remaining(response, installationId, metrics);
      throw err;
    }
    metrics.githubCall(installationId, answer.status);
    remaining(answer, installationId, metrics);
    return answer;
  });
  return octokit;
}

function remaining(answer: Answer, installationId: number, metrics: Metrics): void {
  const value = answer.headers?.["x-ratelimit-remaining"];
  if (value === undefined) return;
  const n = Number(value);
  if (Number.isFinite(n)) metrics.rateLimit(installationId, n);
}
