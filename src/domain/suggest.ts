/** "Did you mean …?": the closest of some known names to a misspelt one, for error messages everywhere. */
/** Longest name compared letter by letter; longer ones are never "close" to anything shorter. */
const MAX_COMPARED = 64;

/** Three rows of the distance table, reused: names are at most MAX_COMPARED long. */
const rows = [new Int32Array(MAX_COMPARED + 2), new Int32Array(MAX_COMPARED + 2), new Int32Array(MAX_COMPARED + 2)];

/**
 * Damerau–Levenshtein distance (the optimal-string-alignment form, case-insensitive), bounded
 * to short strings (names and ids): a swap of two adjacent letters (`nmae`, `hihg`) is one
 * edit, as people make it, not two. Only a distance up to `max` matters to the caller, so only
 * the diagonal band |i - j| <= max of the table is filled (Ukkonen), and it stops as soon as
 * the distance must exceed `max`: then it returns `max + 1`. A lookup among many candidates
 * stays cheap once a close one is found.
 */
export function distance(a: string, b: string, max: number): number {
  if (a.length > MAX_COMPARED || b.length > MAX_COMPARED) return Math.max(a.length, b.length);
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  const n = la.length;
  const m = lb.length;
  const over = max + 1;
  if (Math.abs(n - m) > max) return over;
  if (n > MAX_COMPARED || m > MAX_COMPARED) return Math.max(n, m); // lowercasing can lengthen a string
  // Rows i - 2, i - 1 and i; the swap looks two rows back.
  let before = rows[0]!;
  let prev = rows[1]!;
  let cur = rows[2]!;
  for (let j = 0; j <= m; j++) prev[j] = j <= max ? j : over;
  prev[m + 1] = over;
  for (let i = 1; i <= n; i++) {
    const lo = Math.max(1, i - max);
    const hi = Math.min(m, i + max);
    cur[0] = i <= max ? i : over;
    if (lo > 1) cur[lo - 1] = over;
    let rowMin = lo === 1 ? cur[0]! : over;
    const ca = la.charCodeAt(i - 1);
    const caBefore = i > 1 ? la.charCodeAt(i - 2) : -1;
    for (let j = lo; j <= hi; j++) {
      const cb = lb.charCodeAt(j - 1);
      let v = Math.min(prev[j - 1]! + (ca === cb ? 0 : 1), prev[j]! + 1, cur[j - 1]! + 1);
      // Row i - 1 bounds row i - 2 from below (less one), so stopping on a row whose minimum is
      // over `max` stays right with swaps too.
      if (j > 1 && ca === lb.charCodeAt(j - 2) && caBefore === cb && ca !== cb) v = Math.min(v, before[j - 2]! + 1);
      cur[j] = v < over ? v : over;
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (hi < m) cur[hi + 1] = over;
    if (rowMin > max) return over;
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[m]!;
}

/**
 * The closest candidate to `input`, when it is close enough to be a likely typo: one edit (a
 * swap of two adjacent letters counts as one) for names of 3 to 5 letters, two for 6 to 8, and
 * so on. Inputs shorter than 3 letters get no guess: every short name is "close" to them.
 */
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
