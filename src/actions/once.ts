import type { Clock, Store } from "../domain/ports.js";
import { ActionError } from "./types.js";

/** How long a claimed side effect may stay unfinished before we assume its worker crashed. */
export const STALE_CLAIM_MS = 2 * 60_000;

/**
 * Performs a side effect at most once per key, and finds it again after a crash.
 *
 * The key is claimed in the store (a unique row, not search-then-create) before the effect and
 * completed with its result after. A key already done returns the recorded result. A key
 * claimed but never completed means a worker died between the effect and the record: `find`
 * looks for the effect on GitHub (by a marker the effect carries) before making it again.
 */
export async function once<T extends Record<string, unknown>>(
  deps: { store: Store; clock: Clock },
  key: string,
  kind: string,
  find: (since: Date) => Promise<T | undefined>,
  make: () => Promise<T>,
): Promise<{ result: T; created: boolean }> {
  const now = deps.clock.now();
  const { record, claimed } = await deps.store.claimEffect(key, kind, now);
  if (record.status === "done") return { result: record.result as T, created: false };
  if (!claimed) {
    const claimedAt = new Date(record.claimedAt);
    const found = await find(new Date(claimedAt.getTime() - 60_000));
    if (found) {
      await deps.store.completeEffect(key, found);
      return { result: found, created: false };
    }
    // A recent claim may belong to a worker that is making the effect right now.
    if (now.getTime() - claimedAt.getTime() < STALE_CLAIM_MS) {
      throw new ActionError(`${kind} was started by another attempt moments ago; trying again later`, true);
    }
  }
  const made = await make();
  await deps.store.completeEffect(key, made);
  return { result: made, created: true };
}
