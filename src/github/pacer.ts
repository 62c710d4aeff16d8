/** Per-installation pacing of content-creating requests under GitHub's secondary rate limits: never waits, only says when to come back. */
import type { Clock } from "../domain/ports.js";

/** Content-creating requests allowed per installation; 0: no limit. */
export interface PacingLimits {
  perMinute: number;
  perHour: number;
}

/**
 * GitHub counts a request when it arrives, we when we send it: each window is kept a second
 * longer than GitHub's, so a request sent as a slot frees never arrives just before it does.
 */
const SLACK = 1_000;
const MINUTE = 60_000 + SLACK;
const HOUR = 3_600_000 + SLACK;
/** Installations tracked before idle ones are forgotten. */
const TRACKED = 10_000;

interface Window {
  /** When this installation's recent content-creating requests went out, oldest first. */
  stamps: number[];
  /** GitHub said "not before" (a secondary limit's retry-after, the primary limit's reset). */
  blockedUntil: number;
  /** Where the next request told to come back later is put: the line of deferred requests. */
  nextDeferral: number;
}

/**
 * Paces content-creating requests (issues, comments, check runs) per installation under
 * GitHub's secondary limits (80 a minute, 500 an hour on github.com), over sliding windows.
 * It never waits: `take` says go now, or when to come back. Requests told to come back are
 * spread out one slot apart, so they return at the allowed rate instead of all at once; the
 * caller reschedules its work for that time and frees its worker slot meanwhile.
 */
export class Pacer {
  readonly #limits: PacingLimits;
  readonly #clock: Clock;
  readonly #windows = new Map<number, Window>();

  readonly #share: () => number;

  /**
   * `share`: how many processes send for the same installations (the live workers of the
   * deployment, at least 1): each takes that part of every limit, so together they stay within it.
   */
  constructor(limits: PacingLimits, clock: Clock = { now: () => new Date() }, share: () => number = () => 1) {
    this.#limits = { perMinute: Math.max(0, limits.perMinute), perHour: Math.max(0, limits.perHour) };
    this.#clock = clock;
    this.#share = share;
  }

  /** The limits this process keeps to: its part of each (at least 1 a window where there is a limit). */
  #mine(): PacingLimits {
    const share = Math.max(1, Math.floor(this.#share()) || 1);
    const part = (limit: number) => (limit > 0 ? Math.max(1, Math.floor(limit / share)) : 0);
    return { perMinute: part(this.#limits.perMinute), perHour: part(this.#limits.perHour) };
  }

  /** Whether any limit applies. */
  get enabled(): boolean {
    return this.#limits.perMinute > 0 || this.#limits.perHour > 0;
  }

  /** Takes a slot for one content-creating request now (undefined), or says when to try again. */
  take(installationId: number): Date | undefined {
    const now = this.#clock.now().getTime();
    const w = this.#window(installationId, now);
    if (!this.enabled && w.blockedUntil <= now) return undefined;
    const { perMinute, perHour } = this.#mine();
    let allowedAt = Math.max(now, w.blockedUntil);
    if (perMinute > 0) {
      const inMinute = w.stamps.length - lowerBound(w.stamps, now - MINUTE);
      if (inMinute >= perMinute) allowedAt = Math.max(allowedAt, w.stamps[w.stamps.length - perMinute]! + MINUTE);
    }
    if (perHour > 0 && w.stamps.length >= perHour) allowedAt = Math.max(allowedAt, w.stamps[w.stamps.length - perHour]! + HOUR);
    if (allowedAt <= now) {
      if (this.enabled) w.stamps.push(now);
      return undefined;
    }
    const spacing = perMinute > 0 ? Math.ceil(60_000 / perMinute) : perHour > 0 ? Math.ceil(3_600_000 / perHour) : 1_000;
    const at = Math.max(allowedAt, w.nextDeferral);
    w.nextDeferral = at + spacing;
    return new Date(at);
  }

  /** GitHub said not before `until` for this installation: every request waits for it. */
  block(installationId: number, until: Date): void {
    const w = this.#window(installationId, this.#clock.now().getTime());
    w.blockedUntil = Math.max(w.blockedUntil, until.getTime());
  }

  #window(installationId: number, now: number): Window {
    let w = this.#windows.get(installationId);
    if (!w) {
      if (this.#windows.size >= TRACKED) this.#forgetIdle(now);
      w = { stamps: [], blockedUntil: 0, nextDeferral: 0 };
      this.#windows.set(installationId, w);
    }
    // Only what the windows still see is kept: at most perHour stamps an installation.
    const horizon = now - (this.#limits.perHour > 0 ? HOUR : MINUTE);
    const drop = lowerBound(w.stamps, horizon);
    if (drop > 0) w.stamps.splice(0, drop);
    return w;
  }

  #forgetIdle(now: number): void {
    for (const [id, w] of this.#windows) {
      if ((w.stamps.at(-1) ?? 0) < now - HOUR && w.blockedUntil < now && w.nextDeferral < now) this.#windows.delete(id);
    }
  }
}

/** The index of the first stamp at or after `t` (stamps ascend). */
function lowerBound(stamps: number[], t: number): number {
  let lo = 0;
  let hi = stamps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (stamps[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
