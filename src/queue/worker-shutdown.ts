// How a stopping worker waits for the jobs in hand: the reason they are told to stop, and bounded waits.

/** Why a job in hand is told to stop when the worker stops before it finished. */
export class ShuttingDown extends Error {
  override readonly name = "ShuttingDown";
  constructor() {
    super("the worker is stopping");
  }
}

/** How long jobs told to stop get to reach a safe point before the worker stops without them. */
export const SAFE_POINT_MS = 2_000;

/** Whether all the promises settled within `ms` (Infinity: waits for them all). */
export async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  const all = Promise.allSettled(promises).then(() => true);
  if (!Number.isFinite(ms)) return all;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([all, late]);
  } finally {
    clearTimeout(timer);
  }
}
