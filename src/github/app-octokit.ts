import { ProbotOctokit } from "probot";
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
    throttle: { ...(options.throttle as Record<string, unknown> | undefined), enabled: false },
    // node:http(s) over keep-alive agents instead of Node's fetch (see http-fetch.ts), unless told otherwise.
    request: { ...request, fetch: request?.fetch ?? httpFetch },
  };
});
