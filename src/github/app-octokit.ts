/** The Octokit class the app runs on: Probot's, with throttling swapped for plain server-error retries, cached app JWTs and the keep-alive HTTP transport. */
import { ProbotOctokit } from "probot";
import { cachedAppJwt } from "./app-jwt.js";
import { httpFetch } from "./http-fetch.js";

/**
 * The Octokit the app runs on: Probot's, without its throttling plugin. That plugin spaces an
 * installation's writes a second or more apart (three for issues and comments) by waiting
 * inside the request, which holds a worker slot for seconds per run; and it retries rate
 * limits by waiting, too. The engine paces content-creating requests itself and reschedules
 * the work on a rate-limit answer instead (see pacer.ts and paced-port.ts). Retries of
 * server errors stay, as `retryServerErrors` makes them. Requests go over node:http(s)
 * (`httpFetch`), not Node's fetch.
 */
export const AppOctokit: typeof ProbotOctokit = (ProbotOctokit.plugin(retryServerErrors as unknown as Parameters<typeof ProbotOctokit.plugin>[0]) as unknown as typeof ProbotOctokit).defaults((options: Record<string, unknown>) => {
  const request = options.request as Record<string, unknown> | undefined;
  const retry = options.retry as Partial<RetryOptions> | undefined;
  return {
    ...options,
    ...withCachedJwt(options.auth),
    throttle: { ...(options.throttle as Record<string, unknown> | undefined), enabled: false },
    // Probot's retry plugin is replaced (see retryServerErrors); its options still apply. An
    // installation's client inherits appRetry as it was set.
    retry: { ...retry, enabled: false },
    appRetry: options.appRetry ?? { ...retry, enabled: retry?.enabled ?? true },
    // node:http(s) over keep-alive agents instead of Node's fetch (see http-fetch.ts), unless told otherwise.
    request: { ...request, fetch: request?.fetch ?? httpFetch },
  };
});

interface RetryOptions {
  enabled: boolean;
  /** Tries after the first (a request's `request.retries` overrides it). */
  retries: number;
  /** The n-th retry waits n² times this many milliseconds. */
  retryAfterBaseValue: number;
  /** Answers that are not retried. */
  doNotRetry: number[];
}

const RETRY_DEFAULTS: RetryOptions = { enabled: true, retries: 3, retryAfterBaseValue: 1_000, doNotRetry: [400, 401, 403, 404, 410, 422, 451] };

/**
 * @octokit/plugin-retry's behaviour (an error answer not in `doNotRetry` is tried again up to
 * `retries` times, after 1, 4, 9 s; so is a GraphQL answer saying "Something went wrong while
 * executing your query"), without the Bottleneck scheduler it builds for every request.
 */
function retryServerErrors(octokit: { hook: { wrap(name: "request", fn: (request: (o: RequestOptions) => Promise<OctokitAnswer>, o: RequestOptions) => Promise<OctokitAnswer>): void } }, octokitOptions: Record<string, unknown>): void {
  const state: RetryOptions = { ...RETRY_DEFAULTS, ...(octokitOptions.appRetry as Partial<RetryOptions> | undefined) };
  if (!state.enabled) return;
  octokit.hook.wrap("request", async (request, options) => {
    for (let retryCount = 0; ; retryCount++) {
      try {
        const answer = await request(options);
        const errors = (answer.data as { errors?: { message?: unknown }[] } | undefined)?.errors;
        if (Array.isArray(errors) && errors.length > 0 && /Something went wrong while executing your query/.test(String(errors[0]?.message))) {
          throw Object.assign(new Error(String(errors[0]?.message)), { name: "HttpError", status: 500, request: options, response: answer });
        }
        return answer;
      } catch (err) {
        const failure = err as { status?: unknown; request?: unknown };
        const retries = options.request?.retries ?? state.retries;
        const retriable = failure?.request !== undefined && typeof failure.status === "number" && failure.status >= 400 && !state.doNotRetry.includes(failure.status);
        if (!retriable || retryCount >= retries || options.request?.signal?.aborted) throw err;
        await new Promise((resolve) => setTimeout(resolve, (retryCount + 1) ** 2 * state.retryAfterBaseValue));
        options.request = { ...options.request, retryCount: retryCount + 1 };
      }
    }
  });
}

interface RequestOptions {
  request?: { retries?: number; retryCount?: number; signal?: AbortSignal; [key: string]: unknown };
  [key: string]: unknown;
}

interface OctokitAnswer {
  data: unknown;
  [key: string]: unknown;
}

/** JWT makers by private key: one per app (the engine's Octokits all share the app's). */
const jwtMakers = new Map<string, ReturnType<typeof cachedAppJwt>>();

/** App credentials with the JWT made once and reused (see app-jwt.ts), in place of the private key; other credentials as they are. */
export function withCachedJwt(auth: unknown): { auth?: Record<string, unknown> } {
  if (typeof auth !== "object" || auth === null) return {};
  const { privateKey, createJwt, ...rest } = auth as Record<string, unknown>;
  if (!("appId" in rest)) return {};
  // An installation's client inherits the maker, and may carry the key too: auth-app takes one or the other.
  if (createJwt !== undefined) return privateKey === undefined ? {} : { auth: { ...rest, createJwt } };
  if (typeof privateKey !== "string" || privateKey === "") return {};
  let make = jwtMakers.get(privateKey);
  if (!make) {
    make = cachedAppJwt(privateKey);
    jwtMakers.set(privateKey, make);
  }
  return { auth: { ...rest, createJwt: make } };
}
