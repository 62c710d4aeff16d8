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
