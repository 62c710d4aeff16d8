import { ProbotOctokit } from "probot";
import { cachedAppJwt } from "./app-jwt.js";
import { httpFetch } from "./http-fetch.js";

/**
 * The Octokit the app runs on: Probot's, without its throttling plugin. That plugin spaces an
 * installation's writes a second or more apart (three for issues and comments) by waiting
 * inside the request, which holds a worker slot for seconds per run; and it retries rate
 * limits by waiting, too. The engine paces content-creating requests itself and reschedules
 * the work on a rate-limit answer instead (see pacer.ts and paced-port.ts). Retries of
 * server errors stay. Requests go over node:http(s) (`httpFetch`), not Node's fetch.
 */
export const AppOctokit: typeof ProbotOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => {
  const request = options.request as Record<string, unknown> | undefined;
  return {
    ...options,
    ...withCachedJwt(options.auth),
    throttle: { ...(options.throttle as Record<string, unknown> | undefined), enabled: false },
    // node:http(s) over keep-alive agents instead of Node's fetch (see http-fetch.ts), unless told otherwise.
    request: { ...request, fetch: request?.fetch ?? httpFetch },
  };
});

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
