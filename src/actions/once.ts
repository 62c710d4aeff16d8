import { RateLimitError } from "../domain/errors.js";
import type { Clock, Store } from "../domain/ports.js";

/**
 * Performs a side effect at most once per key, and finds it again after a crash.
 *
 * The key is claimed in the store (a unique row, not search-then-create) before the effect and
 * completed with its result after. A key already done returns the recorded result. A key
 * claimed but never completed means an attempt died between the claim and the record: `find`
 * looks for the effect on GitHub (by a marker the effect carries) before making it again.
 *
 * This relies on one execution of a run at a time: a run's jobs share a concurrency key, so the
 * queue never runs two of them at once.
 */
export async function once<T extends Record<string, unknown>>(
  deps: { store: Store; clock: Clock },
  key: string,
  kind: string,
  find: (since: Date) => Promise<T | undefined>,
  make: () => Promise<T>,
): Promise<{ result: T; created: boolean }> {
  const { record, claimed } = await deps.store.claimEffect(key, kind, deps.clock.now());
  if (record.status === "done") return { result: record.result as T, created: false };
  if (!claimed) {
    // Look a minute before the claim: clocks of GitHub and this machine differ a little.
    const found = await find(new Date(new Date(record.claimedAt).getTime() - 60_000));
    if (found) {
      await deps.store.completeEffect(key, found);
      return { result: found, created: false };
    }
  }
  let made: T;
  try {
    made = await make();
  } catch (err) {
    // "Not now" from GitHub's rate limit: nothing was made, so the next try need not search for it.
    if (err instanceof RateLimitError) await deps.store.releaseEffect(key);
    throw err;
  }
  await deps.store.completeEffect(key, made);
  return { result: made, created: true };
}
