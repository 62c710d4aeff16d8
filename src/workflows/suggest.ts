/** Longest name compared letter by letter; longer ones are never "close" to anything shorter. */
const MAX_COMPARED = 64;

/** Two rows of the distance table, reused: names are at most MAX_COMPARED long. */
const rows = [new Int32Array(MAX_COMPARED + 2), new Int32Array(MAX_COMPARED + 2)];

/**
 * Levenshtein distance (case-insensitive), bounded to short strings (names and ids). Only a
 * distance up to `max` matters to the caller, so only the diagonal band |i - j| <= max of the
 * table is filled (Ukkonen), and it stops as soon as the distance must exceed `max`: then it
 * returns `max + 1`. A lookup among many candidates stays cheap once a close one is found.
 */
function distance(a: string, b: string, max: number): number {
  if (a.length > MAX_COMPARED || b.length > MAX_COMPARED) return Math.max(a.length, b.length);
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  const n = la.length;
  const m = lb.length;
  const over = max + 1;
  if (Math.abs(n - m) > max) return over;
  if (n > MAX_COMPARED || m > MAX_COMPARED) return Math.max(n, m); // lowercasing can lengthen a string
  let prev = rows[0]!;
  let cur = rows[1]!;
  for (let j = 0; j <= m; j++) prev[j] = j <= max ? j : over;
  prev[m + 1] = over;
  for (let i = 1; i <= n; i++) {
    const lo = Math.max(1, i - max);
    const hi = Math.min(m, i + max);
    cur[0] = i <= max ? i : over;
    if (lo > 1) cur[lo - 1] = over;
    let rowMin = lo === 1 ? cur[0]! : over;
    const ca = la.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const v = Math.min(prev[j - 1]! + (ca === lb.charCodeAt(j - 1) ? 0 : 1), prev[j]! + 1, cur[j - 1]! + 1);
      cur[j] = v < over ? v : over;
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (hi < m) cur[hi + 1] = over;
    if (rowMin > max) return over;
    [prev, cur] = [cur, prev];
  }
  return prev[m]!;
}

/** The closest candidate to `input`, when it is close enough to be a likely typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length < 3) return undefined; // short ids are all "close": a guess would be noise
  const lower = input.toLowerCase();
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower));
  if (prefixed.length === 1) return prefixed[0];
  const allowed = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    // Only a candidate strictly better than the best so far (and within `allowed`) matters.
    const d = distance(input, c, Math.min(allowed, bestDistance - 1));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const c = closest(input, candidates);
  return c === undefined || c === input ? "" : ` (did you mean "${c}"?)`;
}
