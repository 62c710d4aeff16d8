/**
 * Branch and path globs, matched without regular expressions. Patterns come from repository
 * files, so they are hostile input: minimatch and picomatch turned globs into regexes and got
 * ReDoS advisories for it. Here a pattern is split into `/` segments and matched with a
 * dynamic programme over (pattern segment, path segment); inside a segment, the pieces between
 * stars are found greedily, without backtracking. Worst case O(pattern length × path length).
 *
 * Syntax: `*` any characters except `/`; `**` as a whole segment, any number of segments
 * (zero included); `?` one character except `/`; everything else is literal (no braces, no
 * classes, no escapes, no negation). A `**` inside a segment (`a**b`) is just `*`. Dots are
 * not special: `*` matches `.env`. Matching is case-sensitive.
 */

/** A run of literal characters and `?` between stars, as code points; `?` is ANY. */
type Chunk = Int32Array;
const ANY = -1;

/**
 * One `/`-free part of a pattern. `chunks` are the pieces between stars; with `starred`
 * false there is exactly one chunk and it must cover the whole text.
 */
type Segment = { kind: "globstar" } | { kind: "literal"; text: string; source: string } | { kind: "wild"; chunks: Chunk[]; starred: boolean; source: string };

/** Compiled patterns, so a workflow's globs are parsed once however many files they meet. */
const cache = new Map<string, Segment[]>();
const CACHE_LIMIT = 1000;

/** Whether `path` matches the glob `pattern` as a whole. */
export function globMatch(pattern: string, path: string): boolean {
  return matchSegments(compile(pattern), path.split("/"));
}

/** Whether `path` matches any of `patterns`. */
export function anyGlobMatch(patterns: readonly string[], path: string): boolean {
  const segments = path.split("/");
  return patterns.some((p) => matchSegments(compile(p), segments));
}

function compile(pattern: string): Segment[] {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const segments: Segment[] = [];
  for (const part of pattern.split("/")) {
    if (part === "**") {
      // Consecutive globstars mean the same as one; collapsing them keeps the table small.
      if (segments.at(-1)?.kind !== "globstar") segments.push({ kind: "globstar" });
      continue;
    }
    // The same segment text is the same object: its matches are then computed once per path segment.
    const seen = segments.find((s) => s.kind !== "globstar" && s.source === part);
    segments.push(seen ?? parseSegment(part));
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, segments);
  return segments;
}

function parseSegment(part: string): Segment {
  if (!part.includes("*") && !part.includes("?")) return { kind: "literal", text: part, source: part };
  const chunks: number[][] = [[]];
  // Code points, not UTF-16 units: `?` must match one emoji, not half of one.
  for (const char of part) {
    if (char === "*") chunks.push([]);
    else chunks.at(-1)!.push(char === "?" ? ANY : char.codePointAt(0)!);
  }
  return { kind: "wild", chunks: chunks.map((c) => Int32Array.from(c)), starred: chunks.length > 1, source: part };
}

/**
 * `ok[i][j]`: pattern segments from i match path segments from j. Computed bottom-up over two
 * rows, so memory is O(path segments) and there is no recursion to overflow.
 */
function matchSegments(pattern: Segment[], path: string[]): boolean {
  let fixed = 0;
  for (const seg of pattern) if (seg.kind !== "globstar") fixed++;
  // Without a globstar, segment counts must agree: the common case costs one comparison.
  if (fixed === pattern.length && fixed !== path.length) return false;
  if (fixed > path.length) return false;

  const n = path.length;
  const codePoints: Array<Int32Array | undefined> = new Array<Int32Array | undefined>(n);
  // Per wild segment: 0 not tried, 1 matches, 2 does not, for each path segment.
  const wildResults = new Map<Segment, Uint8Array>();
  let below = new Uint8Array(n + 1); // row i + 1
  let row = new Uint8Array(n + 1); // row i
  below[n] = 1; // no pattern left matches no path left
  for (let i = pattern.length - 1; i >= 0; i--) {
    const seg = pattern[i]!;
    row.fill(0);
    if (seg.kind === "globstar") {
      row[n] = below[n]!;
      for (let j = n - 1; j >= 0; j--) row[j] = below[j]! | row[j + 1]!;
    } else if (seg.kind === "literal") {
      const text = seg.text;
      for (let j = n - 1; j >= 0; j--) if (below[j + 1] === 1 && path[j] === text) row[j] = 1;
    } else {
      let results = wildResults.get(seg);
      if (!results) wildResults.set(seg, (results = new Uint8Array(n)));
      for (let j = n - 1; j >= 0; j--) {
        // Wildcard matching is the costly part: only done where the rest could still match, once.
        if (below[j + 1] !== 1) continue;
        if (results[j] === 0) results[j] = wildMatch(seg, (codePoints[j] ??= toCodePoints(path[j]!))) ? 1 : 2;
        if (results[j] === 1) row[j] = 1;
      }
    }
    // No way left for the rest of the pattern to match: stop early.
    if (row.indexOf(1) === -1) return false;
    [below, row] = [row, below];
  }
  return below[0] === 1;
}

function toCodePoints(text: string): Int32Array {
  const out = new Int32Array(text.length);
  let k = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    out[k++] = code;
    if (code > 0xffff) i++; // the low half of a surrogate pair
  }
  return out.subarray(0, k);
}

/**
 * Star-separated chunks, matched greedily: the first is anchored at the start, the last at the
 * end, and each middle one is taken at its leftmost place. Leftmost is always safe, since it
 * leaves the most text for the chunks after it; so there is no backtracking, and the cost is
 * at most (text length × chunk length) per chunk, never exponential.
 */
function wildMatch(seg: Extract<Segment, { kind: "wild" }>, text: Int32Array): boolean {
  const { chunks, starred } = seg;
  const first = chunks[0]!;
  if (!starred) return first.length === text.length && chunkAt(first, text, 0);
  const last = chunks[chunks.length - 1]!;
  if (first.length + last.length > text.length) return false;
  if (!chunkAt(first, text, 0) || !chunkAt(last, text, text.length - last.length)) return false;
  let pos = first.length;
  const end = text.length - last.length;
  for (let c = 1; c < chunks.length - 1; c++) {
    const chunk = chunks[c]!;
    let found = -1;
    for (let p = pos; p + chunk.length <= end; p++) {
      if (chunkAt(chunk, text, p)) {
        found = p;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + chunk.length;
  }
  return true;
}

function chunkAt(chunk: Chunk, text: Int32Array, at: number): boolean {
  for (let k = 0; k < chunk.length; k++) {
    const want = chunk[k]!;
    if (want !== ANY && want !== text[at + k]) return false;
  }
  return true;
}
