/**
 * GitHub's rate limit for an installation says "not now": pacing of content-creating requests,
 * a secondary limit (403 with retry-after) or the primary limit (x-ratelimit-reset). Nothing was
 * created. The work is rescheduled for `retryAt`, never failed, and never waits in a worker slot.
 */
export class RateLimitError extends Error {
  override readonly name = "RateLimitError";
  constructor(
    message: string,
    readonly retryAt: Date,
  ) {
    super(message);
  }
}

/**
 * Thrown by a job handler when trying again cannot help (bad input, a record that is gone): the
 * worker gives the job up at once. It lives here, not in queue/, so that the engine's handlers
 * throw the same class whichever queue runs them (`instanceof` needs one class).
 */
export class NonRetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NonRetriableError";
  }
}
