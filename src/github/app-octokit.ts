import { ProbotOctokit } from "probot";

/**
 * The Octokit the app runs on: Probot's, without its throttling plugin. That plugin spaces an
 * installation's writes a second or more apart (three for issues and comments) by waiting
 * inside the request, which holds a worker slot for seconds per run; and it retries rate
 * limits by waiting, too. The engine paces content-creating requests itself and reschedules
 * the work on a rate-limit answer instead (see pacer.ts and paced-port.ts). Retries of
 * server errors stay.
 */
export const AppOctokit: typeof ProbotOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options.throttle as Record<string, unknown> | undefined), enabled: false },
}));
