/** How long to wait before the next attempt, given how many attempts have run (1 after the first). */
export type Backoff = (attempts: number) => number;

/** Exponential backoff with a cap: `baseMs`, then ×`factor` per attempt, never above `maxMs`. */
export function exponentialBackoff({ baseMs = 1_000, maxMs = 5 * 60_000, factor = 2 } = {}): Backoff {
  return (attempts) => Math.min(maxMs, baseMs * factor ** Math.max(0, attempts - 1));
}
