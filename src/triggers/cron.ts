/**
 * Cron arithmetic for onSchedule triggers: pure functions of the pattern, the time zone and the
 * instants given (never the system clock or the process's time zone).
 *
 * Croner only walks forwards, so the latest tick of a range is found by bisection on "is there
 * a tick between here and the end of the range?", which stays cheap however far back the range
 * starts (a year of per-minute ticks costs a few dozen look-ups, not half a million).
 */
import { Cron } from "croner";

/** The time zone of a trigger that names none. */
export const DEFAULT_TIMEZONE = "UTC";

// Names of UTC take croner's fixed-offset path: the same ticks, without a time-zone look-up per
// call (about 30 times faster).
const UTC_NAMES = new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT"]);
const CACHE_LIMIT = 500;
const cache = new Map<string, Cron>();

/** Ticks of five-field patterns fall on whole minutes, so two ticks are at least this far apart. */
const MIN_GAP_MS = 60_000;

/**
 * The most recent tick t of `cron` with after < t <= upTo, or undefined when there is none.
 * This is the catch-up rule: however many ticks were missed, at most one is returned.
 * Throws a RangeError for a pattern or time zone the validator would refuse.
 */
export function latestTickBetween(cron: string, timezone: string = DEFAULT_TIMEZONE, after: Date, upTo: Date): Date | undefined {
  const job = compile(cron, timezone);
  if (!(upTo.getTime() > after.getTime())) return undefined;
  const next = (ms: number): number | undefined => job.nextRun(new Date(ms))?.getTime();
  const end = upTo.getTime();

  const first = next(after.getTime());
  if (first === undefined || first > end) return undefined;
  // The usual case for a scheduler that keeps up: exactly one tick is due.
  const second = next(first);
  if (second === undefined || second > end) return new Date(first);

  // Invariants: a tick lies in (lo, end]; none lies in (hi, end]. The latest tick is in (lo, hi].
  let lo = second - 1;
  let hi = end;
  // A tick found in (lo, end] either is the latest (the one after it is past the end) or moves lo.
  const advance = (found: number): number | undefined => {
    const following = next(found);
    if (following === undefined || following > end) return found;
    lo = following - 1;
    return undefined;
  };
  // Gallop back from the end first: frequent patterns are bracketed in a step or two.
  for (let gap = MIN_GAP_MS; hi - lo > gap; gap *= 2) {
    const probe = hi - gap;
    const found = next(probe);
    if (found === undefined || found > end) {
      hi = probe;
      continue;
    }
    const latest = advance(found);
    if (latest !== undefined) return new Date(latest);
    break;
  }
  // Bisect down to a second: ticks fall on whole seconds, so (lo, hi] then holds only one.
  while (hi - lo > 1_000) {
    const mid = Math.floor((lo + hi) / 2);
    const found = next(mid);
    if (found === undefined || found > end) {
      hi = mid;
      continue;
    }
    const latest = advance(found);
    if (latest !== undefined) return new Date(latest);
  }
  const latest = next(lo);
  return latest === undefined || latest > end ? undefined : new Date(latest);
}

/** The first tick of `cron` strictly after `after`, or undefined when the pattern never fires again. */
export function nextTickAfter(cron: string, timezone: string = DEFAULT_TIMEZONE, after: Date): Date | undefined {
  return compile(cron, timezone).nextRun(after) ?? undefined;
}

/** The croner job of a pattern and zone, cached: parsing is the costly part and jobs are stateless here. */
function compile(cron: string, timezone: string): Cron {
  const key = `${timezone}\n${cron}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const pattern = cron.trim();
  // The same rule as the validator (compile.ts): five fields, or a nickname. Croner would also
  // take six (seconds), which would let a stored row tick every second.
  if (!pattern.startsWith("@") && pattern.split(/\s+/).length !== 5) {
    throw new RangeError(`"${cron}" is not a five-field cron expression`);
  }
  let job: Cron;
  try {
    // Paused and without a callback: croner never sets a timer; only its arithmetic is used.
    job = new Cron(pattern, { paused: true, ...(UTC_NAMES.has(timezone) ? { utcOffset: 0 } : { timezone }) });
    // An unknown zone only fails on first use; fail here, once.
    job.nextRun(new Date(0));
  } catch (err) {
    throw new RangeError(`cannot schedule "${cron}" in time zone "${timezone}": ${(err as Error).message.replace(/^CronPattern: /, "")}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, job);
  return job;
}
