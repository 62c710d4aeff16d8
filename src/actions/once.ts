/**
 * At-most-once side effects for the actions: `once` claims a key in the store (or trusts the
 * run's effect ledger) before making an issue or comment, and after a crash finds what an
 * interrupted attempt made (by its marker) instead of making it twice.
 */
import { RateLimitError } from "../domain/errors.js";
import type { Clock, EffectDone, EffectLedger, Store } from "../domain/ports.js";

/** Look this long before a claim or an attempt's start: clocks of GitHub and this machine differ a little. */
const CLOCK_SLACK_MS = 60_000;

/**
 * Performs a side effect at most once per key, and finds it again after a crash.
 *
 * Without a ledger, the key is claimed in the store (a unique row, not search-then-create)
 * before the effect and completed with its result after. A key already done returns the
 * recorded result. A key claimed but never completed means an attempt died between the claim
 * and the record: `find` looks for the effect on GitHub (by a marker the effect carries) before
 * making it again.
 *
 * With a ledger (a run's step or check run), the result is recorded with the run's next commit.
 * A fresh attempt (the step's "running" was just committed by this execution: nothing can have
 * been made under a key of its own) makes the effect without a claim. Any other attempt, and
 * any key shared beyond the attempt, claims; when the ledger says an earlier execution may have
 * made it unclaimed, it looks for it even when the claim is new.
 *
 * This relies on one execution of a run at a time: a run's jobs share a concurrency key, so the
 * queue never runs two of them at once.
 */
export async function once<T extends Record<string, unknown>>(
  deps: { store: Store; clock: Clock; effects?: EffectLedger },
  key: string,
  kind: string,
  find: (since: Date) => Promise<T | undefined>,
  make: () => Promise<T>,
  /**
   * "attempt": the key is the step attempt's own (made from its idempotency key), so the
   * ledger's freshness applies. "shared": other runs or steps may use the key too (one issue per
   * finding), so it is always claimed first.
   */
  scope: "attempt" | "shared" = "shared",
): Promise<{ result: T; created: boolean }> {
  const ledger = deps.effects && scope === "shared" ? { ...deps.effects, fresh: false, maybeMade: false } : deps.effects;
  const record = (result: T) => recordEffect({ ...deps, effects: ledger }, { key, kind, result });
  if (ledger?.fresh) {
    const made = await make();
    ledger.done({ key, kind, result: made });
    return { result: made, created: true };
  }
  const { record: stored, claimed } = await deps.store.claimEffect(key, kind, deps.clock.now());
  if (stored.status === "done") return { result: stored.result as T, created: false };
  if (!claimed || ledger?.maybeMade) {
    const from = Math.min(new Date(stored.claimedAt).getTime(), ledger?.since.getTime() ?? Infinity);
    const found = await find(new Date(from - CLOCK_SLACK_MS));
    if (found) {
      await record(found);
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
  await record(made);
  return { result: made, created: true };
}

/** Records an effect made: in the ledger (written with the run's next commit) when there is one, else in the store at once. */
export async function recordEffect(deps: { store: Store; effects?: EffectLedger | undefined }, effect: EffectDone): Promise<void> {
  if (deps.effects) deps.effects.done(effect);
  else await deps.store.completeEffect(effect.key, effect.result);
}
