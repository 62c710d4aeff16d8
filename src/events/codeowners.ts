/**
 * CODEOWNERS: parsing a repository's file (GitHub's rules) and finding a path's owners, the last
 * matching rule winning. Pure. The file is hostile input: it is bounded (size, rules, lengths),
 * a malformed line is a problem with its line number (never an exception), and patterns are
 * matched without regular expressions, by a dynamic programme over (pattern segment, path
 * segment) as in triggers/glob.ts (a floor above this one): per rule, at most pattern length ×
 * path length.
 *
 * Patterns are gitignore's as GitHub applies them: a leading `/` anchors at the root; a pattern
 * of one segment (`*.js`, `logs`, `apps/`) matches at any depth, a longer one from the root
 * (`docs/*`); a trailing `/` matches everything under a directory, and so does a last segment
 * other than `*` (a last `*` matches files directly in the directory only); `*` never crosses
 * `/`, `**` does, `?` is one character; `\` escapes the next character (`\#`, `\ `). As on
 * GitHub, `!` negation is refused and brackets are literal. Matching is case-sensitive.
 */

/** Where GitHub looks for the file, in order: the first that exists is the one that counts. */
export const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

export const CODEOWNERS_LIMITS = {
  /** GitHub ignores a CODEOWNERS file over 3 MB; so does this parser. */
  bytes: 3 * 1024 * 1024,
  rules: 10_000,
  lineLength: 8_192,
  patternLength: 1_024,
  owners: 100,
  /** Problems listed one by one; past this, a last one counts the rest. */
  problems: 100,
  /** A longer or deeper path has no owner. */
  pathLength: 4_096,
  pathSegments: 256,
  /** Work one look-up may take (table cells and character comparisons): a file built to be slow is refused, not waited for. */
  matchSteps: 20_000_000,
} as const;

/** A look-up would take more than CODEOWNERS_LIMITS.matchSteps: the file's patterns are built to be slow to match. */
export class CodeownersTooCostlyError extends RangeError {
  constructor() {
    super(`matching this CODEOWNERS file would take more than ${CODEOWNERS_LIMITS.matchSteps} steps: its patterns are built to be slow`);
    this.name = "CodeownersTooCostlyError";
  }
}

/** A rule (its 1-based line, its pattern as written, compiled): its owners are `@user`, `@org/team` or emails; none makes what it matches un-owned. */
export interface CodeownersRule {
  line: number;
  pattern: string;
  owners: string[];
  readonly segments: readonly Segment[];
}

/** A line that was not used (`line` 1-based; 0 for the file as a whole), and why. */
export interface CodeownersProblem {
  line: number;
  message: string;
}

export interface Codeowners {
  rules: CodeownersRule[];
  problems: CodeownersProblem[];
  /** False when the file was too large or had too many rules: some of it was not read, so ownership may be wrong. */
  complete: boolean;
}

/** A code point, or ANY for `?`; a chunk is a run of them between stars. */
const ANY = -1;
type Chunk = Int32Array;
/** zeroOrMore, oneOrMore: whole segments (`**`); one: any single segment (`*`); name: a segment's text, literal or with wildcards. */
type Segment =
  | { kind: "zeroOrMore" | "oneOrMore" | "one" }
  | { kind: "literal"; text: string }
  | { kind: "wild"; chunks: Chunk[]; starred: boolean; minLength: number };

/** A pattern's segment as parsed: its pieces, and whether it was exactly `*` or `**` unescaped. */
type RawSegment = { pieces: (number | "star")[]; bare: "*" | "**" | undefined };

const LOGIN = /^@[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,38})$/;
const TEAM = /^@[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,38})\/[A-Za-z0-9_.-]{1,100}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/** Parses a CODEOWNERS file. Never throws: what cannot be used is a problem. */
export function parseCodeowners(text: string): Codeowners {
  const problems: CodeownersProblem[] = [];
  let dropped = 0;
  const problem = (line: number, message: string) => {
    if (problems.length < CODEOWNERS_LIMITS.problems) problems.push({ line, message });
    else dropped++;
  };
  const finish = (rules: CodeownersRule[], complete: boolean): Codeowners => {
    if (dropped > 0) problems.push({ line: 0, message: `${dropped} more problems not listed` });
    return { rules, problems, complete };
  };
  // UTF-8 takes at least one byte per UTF-16 unit: past the limit in units is past it in bytes.
  if (text.length > CODEOWNERS_LIMITS.bytes || Buffer.byteLength(text, "utf8") > CODEOWNERS_LIMITS.bytes) {
    problem(0, `the file is over ${CODEOWNERS_LIMITS.bytes / 1024 / 1024} MB: GitHub ignores it, and so is it ignored here`);
    return finish([], false);
  }
  const rules: CodeownersRule[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const number = i + 1;
    const line = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!;
    const parsed = line.length > CODEOWNERS_LIMITS.lineLength ? { problem: `the line is ${line.length} characters long, more than ${CODEOWNERS_LIMITS.lineLength}` } : parseLine(line);
    if (parsed !== undefined && "problem" in parsed) problem(number, `${parsed.problem}: skipped`);
    if (parsed === undefined || "problem" in parsed) continue;
    if (rules.length >= CODEOWNERS_LIMITS.rules) {
      problem(number, `more than ${CODEOWNERS_LIMITS.rules} rules: this one and those after it were not read`);
      return finish(rules, false);
    }
    rules.push({ line: number, ...parsed });
  }
  return finish(rules, true);
}

/** The owners of `path` (relative to the repository's root): the last matching rule's, or none. Throws CodeownersTooCostlyError. */
export function ownersOf(codeowners: Codeowners | readonly CodeownersRule[], path: string): string[] {
  return [...(ruleFor(codeowners, path)?.owners ?? [])];
}

/** The rule that decides `path`'s owners: the last one that matches. Throws CodeownersTooCostlyError past the work limit. */
export function ruleFor(codeowners: Codeowners | readonly CodeownersRule[], path: string): CodeownersRule | undefined {
  const rules = "rules" in codeowners ? codeowners.rules : codeowners;
  if (path.length > CODEOWNERS_LIMITS.pathLength) return undefined;
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length === 0 || segments.length > CODEOWNERS_LIMITS.pathSegments) return undefined;
  // Code points, not UTF-16 units: `?` must match one emoji, not half of one.
  const points = segments.map((s) => Int32Array.from([...s], (c) => c.codePointAt(0)!));
  budget = CODEOWNERS_LIMITS.matchSteps;
  for (let r = rules.length - 1; r >= 0; r--) if (matches(rules[r]!.segments, segments, points)) return rules[r];
  return undefined;
}

type ParsedLine = { pattern: string; owners: string[]; segments: Segment[] } | { problem: string } | undefined;

/** One line: undefined for a blank line or a comment. */
function parseLine(line: string): ParsedLine {
  let i = 0;
  while (line[i] === " " || line[i] === "\t") i++;
  if (i === line.length || line[i] === "#") return undefined;
  const start = i;
  while (i < line.length && line[i] !== " " && line[i] !== "\t") i += line[i] === "\\" ? 2 : 1;
  if (i > line.length) return { problem: "the pattern ends with a lone backslash" };
  const pattern = line.slice(start, i);
  if (pattern.length > CODEOWNERS_LIMITS.patternLength) return { problem: `the pattern is ${pattern.length} characters long, more than ${CODEOWNERS_LIMITS.patternLength}` };
  const owners: string[] = [];
  for (const token of line.slice(i).split(/[ \t]+/)) {
    if (token === "") continue;
    if (token.startsWith("#")) break;
    if (!LOGIN.test(token) && !TEAM.test(token) && !EMAIL.test(token)) return { problem: `${JSON.stringify(token.slice(0, 100))} is not an owner (@user, @org/team or an email)` };
    owners.push(token);
    if (owners.length > CODEOWNERS_LIMITS.owners) return { problem: `more than ${CODEOWNERS_LIMITS.owners} owners` };
  }
  const compiled = compile(pattern);
  return "problem" in compiled ? compiled : { pattern, owners: [...new Set(owners)], segments: compiled.segments };
}

/** A pattern's segments, in the way of GitHub's (gitignore's) rules; see the file's comment. */
function compile(pattern: string): { segments: Segment[] } | { problem: string } {
  if (pattern.startsWith("!")) return { problem: "negation (!) is not supported in CODEOWNERS" };
  if (pattern.includes("***")) return { problem: "three asterisks in a row mean nothing" };
  const raw = splitSegments(pattern);
  const anchored = raw[0]!.pieces.length === 0;
  if (anchored) raw.shift();
  const trailing = raw.length > 1 && raw.at(-1)!.pieces.length === 0;
  if (trailing) raw.pop();
  if (raw.length === 0 || (raw.length === 1 && raw[0]!.pieces.length === 0)) return { problem: "the pattern names no path" };
  if (raw.some((s) => s.pieces.length === 0)) return { problem: "the pattern has an empty path segment (//)" };
  // One segment, not anchored: it matches at any depth, as if it began with **/.
  if (!anchored && raw.length === 1 && raw[0]!.bare !== "**") raw.unshift(GLOBSTAR);
  // A trailing / is a last **: everything under the directory.
  if (trailing) raw.push(GLOBSTAR);
  const segments: Segment[] = [];
  raw.forEach((seg, i) => {
    const last = i === raw.length - 1;
    if (seg.bare === "**") {
      // Last (or alone): at least one more segment; first or in the middle: any number, none included.
      const kind = last ? "oneOrMore" : "zeroOrMore";
      if (segments.at(-1)?.kind === "zeroOrMore") segments.pop();
      segments.push({ kind });
      return;
    }
    segments.push(seg.bare === "*" ? { kind: "one" } : nameSegment(seg.pieces));
    // A last name also matches a directory, and so everything under it; a last `*` only files directly in its directory.
    if (last && seg.bare !== "*") segments.push({ kind: "zeroOrMore" });
  });
  return { segments };
}

const GLOBSTAR: RawSegment = { pieces: ["star", "star"], bare: "**" };

/** Splits on unescaped `/`; inside a segment, `*` is a star and every other character (escaped or not, `?` aside) a code point. */
function splitSegments(pattern: string): RawSegment[] {
  const segments: RawSegment[] = [];
  let pieces: (number | "star")[] = [];
  let plain = "";
  let escaped = false;
  const close = () => segments.push({ pieces, bare: plain === "*" || plain === "**" ? plain : undefined });
  for (const char of pattern) {
    if (escaped || (char !== "\\" && char !== "/")) {
      pieces.push(!escaped && char === "*" ? "star" : !escaped && char === "?" ? ANY : char.codePointAt(0)!);
      plain += !escaped && char === "*" ? "*" : "x";
      escaped = false;
    } else if (char === "\\") escaped = true;
    else {
      close();
      [pieces, plain] = [[], ""];
    }
  }
  close();
  return segments;
}

function nameSegment(pieces: (number | "star")[]): Segment {
  if (!pieces.some((p) => p === "star" || p === ANY)) return { kind: "literal", text: String.fromCodePoint(...(pieces as number[])) };
  const chunks: number[][] = [[]];
  for (const p of pieces) {
    if (p === "star") chunks.push([]);
    else chunks.at(-1)!.push(p);
  }
  return { kind: "wild", chunks: chunks.map((c) => Int32Array.from(c)), starred: chunks.length > 1, minLength: chunks.reduce((sum, c) => sum + c.length, 0) };
}

/** Work left to the current look-up (see CODEOWNERS_LIMITS.matchSteps). */
let budget = 0;

function spend(steps: number): void {
  budget -= steps;
  if (budget < 0) throw new CodeownersTooCostlyError();
}

/**
 * Whether pattern segments match path segments as a whole: `row[j]` says the pattern from
 * segment i matches the path from segment j, computed bottom-up over two rows.
 */
function matches(pattern: readonly Segment[], path: readonly string[], points: readonly Int32Array[]): boolean {
  const n = path.length;
  let [below, row] = [new Uint8Array(n + 1), new Uint8Array(n + 1)];
  below[n] = 1;
  for (let i = pattern.length - 1; i >= 0; i--) {
    const seg = pattern[i]!;
    spend(n + 1);
    row.fill(0);
    switch (seg.kind) {
      case "zeroOrMore":
        row[n] = below[n]!;
        for (let j = n - 1; j >= 0; j--) row[j] = below[j]! | row[j + 1]!;
        break;
      case "oneOrMore":
        for (let j = n - 1; j >= 0; j--) row[j] = below[j + 1]! | row[j + 1]!;
        break;
      case "one":
        for (let j = n - 1; j >= 0; j--) row[j] = below[j + 1]!;
        break;
      default:
        for (let j = n - 1; j >= 0; j--) if (below[j + 1] === 1 && (seg.kind === "literal" ? path[j] === seg.text : wildMatch(seg, points[j]!))) row[j] = 1;
    }
    if (row.indexOf(1) === -1) return false;
    [below, row] = [row, below];
  }
  return below[0] === 1;
}

/**
 * Star-separated chunks, matched greedily: the first anchored at the start, the last at the end,
 * each middle one at its leftmost place (always safe: it leaves the most text for the rest), so
 * there is no backtracking: at most text length × chunk length per chunk.
 */
function wildMatch(seg: Extract<Segment, { kind: "wild" }>, text: Int32Array): boolean {
  const { chunks, starred } = seg;
  if (text.length < seg.minLength) return false;
  const first = chunks[0]!;
  if (!starred) return first.length === text.length && chunkAt(first, text, 0);
  const last = chunks[chunks.length - 1]!;
  if (!chunkAt(first, text, 0) || !chunkAt(last, text, text.length - last.length)) return false;
  let pos = first.length;
  const end = text.length - last.length;
  for (let c = 1; c < chunks.length - 1; c++) {
    const chunk = chunks[c]!;
    let p = pos;
    while (p + chunk.length <= end && !chunkAt(chunk, text, p)) {
      p++;
      spend(chunk.length);
    }
    if (p + chunk.length > end) return false;
    pos = p + chunk.length;
  }
  return true;
}

function chunkAt(chunk: Chunk, text: Int32Array, at: number): boolean {
  for (let k = 0; k < chunk.length; k++) if (chunk[k] !== ANY && chunk[k] !== text[at + k]) return false;
  return true;
}
