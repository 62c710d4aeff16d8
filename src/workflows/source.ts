import { Composer, Lexer, LineCounter, Parser, YAMLParseError, isAlias, isMap, isPair, isScalar, isSeq, Scalar } from "yaml";
import type { Document, Node as YamlNode, Pair, YAMLError, YAMLMap } from "yaml";
import type { Diagnostic } from "../domain/diagnostic.js";
import { closeList, formatCount, type Omitted } from "./diagnostic-cap.js";
import { findJsonSyntaxError } from "./json-syntax.js";
import { LIMITS } from "./limits.js";
import { toDisplayPath, toPointer, type DocPath } from "../domain/paths.js";

/** Keys that could reach an object's prototype if a consumer ever merged the value carelessly. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export type SourceFormat = "yaml" | "json";

export interface Span {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/**
 * Maps locations in a parsed document back to lines and columns of its source text, so that
 * every later stage (schema, compile) can point at the node it complains about.
 */
export class SourceMap {
  /** Each mapping's pairs by key, built on first lookup: finding a key must not scan 30k pairs each time. */
  private readonly keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    readonly text: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The span of an offset range of the source. */
  spanOf(start: number, end = start): Span {
    const s = this.lines.linePos(Math.max(0, Math.min(start, this.text.length)));
    const e = this.lines.linePos(Math.max(0, Math.min(end, this.text.length)));
    return { line: s.line, col: s.col, endLine: e.line, endCol: e.col };
  }

  /** The source text of the node at `path` (as written, before YAML resolved it). */
  sourceText(path: DocPath): string | undefined {
    const range = this.nodeAt(path)?.range;
    return range ? this.text.slice(range[0], range[1]) : undefined;
  }

  /** The YAML node at `path` (or the key node of its last segment), following aliases. */
  nodeAt(path: DocPath, key = false): YamlNode | undefined {
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      node = this.resolve(node);
      const seg = path[i]!;
      if (isMap(node)) {
        const pair = this.pairOf(node, String(seg));
        if (!pair) return undefined;
        node = key && i === path.length - 1 ? pair.key : pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(seg)];
      } else {
        return undefined;
      }
    }
    const resolved = key ? node : this.resolve(node);
    return (resolved ?? undefined) as YamlNode | undefined;
  }

  /** The span of the node at `path`, or of the nearest ancestor that exists. */
  spanAt(path: DocPath, key = false): Span {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.nodeAt(path.slice(0, depth), key && depth === path.length);
      if (node?.range) return this.spanOf(node.range[0], node.range[1]);
    }
    return this.spanOf(0);
  }

  /**
   * The source offset of character `index` of the string scalar at `path`, when it can be
   * known exactly (plain, simply quoted and literal block scalars); else the scalar's start.
   */
  offsetInString(path: DocPath, index: number): number {
    const node = this.nodeAt(path);
    if (!isScalar(node) || !node.range || typeof node.value !== "string") return 0;
    const start = node.range[0];
    const value = node.value;
    switch (node.type) {
      case Scalar.PLAIN:
        return this.text.slice(start, start + value.length) === value ? start + index : start;
      case Scalar.QUOTE_SINGLE:
      case Scalar.QUOTE_DOUBLE:
        return this.text.slice(start + 1, start + 1 + value.length) === value ? start + 1 + index : start;
      case Scalar.BLOCK_LITERAL: {
        const before = value.slice(0, index);
        const lineInValue = before.split("\n").length - 1;
        const colInLine = index - (before.lastIndexOf("\n") + 1);
        // The content starts on the line after the `|` header.
        let offset = this.text.indexOf("\n", start) + 1;
        for (let l = 0; l < lineInValue && offset > 0; l++) offset = this.text.indexOf("\n", offset) + 1;
        if (offset <= 0) return start;
        const indent = /^[ ]*/.exec(this.text.slice(offset))![0].length;
        return offset + indent + colInLine;
      }
      default:
        return start;
    }
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /** The first pair of `node` with this key (as YAML resolves a lookup with duplicates refused). */
  private pairOf(node: YAMLMap, key: string): Pair | undefined {
    let index = this.keyIndex.get(node);
    if (!index) {
      index = new Map();
      for (const pair of node.items as Pair[]) {
        const k = keyString(pair);
        if (k !== undefined && !index.has(k)) index.set(k, pair);
      }
      this.keyIndex.set(node, index);
    }
    return index.get(key);
  }
}

export type ParseResult =
  | { ok: true; value: unknown; map: SourceMap }
  | { ok: false; diagnostics: Diagnostic[] };

/**
 * Parse stage: YAML or JSON text → a plain value and a source map, or errors with positions.
 *
 * Every stage is linear in the text and bounded: the parser is fed token by token through a
 * guard (`TokenGuard`) that refuses too many tokens and too deep nesting before the parser
 * builds anything for them, and at most `LIMITS.maxErrorsPerFile` problems are reported.
 */
export function parseSource(text: string, format: SourceFormat): ParseResult {
  let jsonValue: unknown;
  if (format === "json") {
    try {
      // V8's JSON.parse is iterative and linear: depth and size cannot hurt it.
      jsonValue = JSON.parse(text);
    } catch (err) {
      return { ok: false, diagnostics: [jsonSyntaxError(text, err as Error)] };
    }
  }

  const parsed = parseGuarded(text);
  if (parsed instanceof Refusal) return { ok: false, diagnostics: [atOffset(text, parsed.offset, parsed.message)] };
  const { doc, lines, unclosedQuotes } = parsed;
  const map = new SourceMap(text, doc, lines);

  if (format === "yaml") {
    const problems = yamlProblems(map, [...doc.errors, ...doc.warnings], unclosedQuotes);
    if (problems.length > 0) return { ok: false, diagnostics: problems };
  }

  const sink = new Sink(map);
  inspectTree(map, doc.contents, [], 0, sink, { aliases: 0 });
  if (sink.size > 0) return { ok: false, diagnostics: sink.finish() };

  if (format === "json") return { ok: true, value: jsonValue, map };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: LIMITS.maxAliases }), map };
  } catch (err) {
    const message = /alias/i.test((err as Error).message)
      ? `YAML aliases expand too far (at most ${LIMITS.maxAliases} expansions of one anchor)`
      : `cannot read the document: ${(err as Error).message}`;
    return { ok: false, diagnostics: [atOffset(text, 0, message)] };
  }
}

const PARSE_OPTIONS = {
  prettyErrors: false,
  strict: true,
  uniqueKeys: false, // duplicates are reported by inspectTree, with both places named
  version: "1.2",
  schema: "core",
  merge: false,
} as const;

/** Why the guard stopped the parser, and where. */
class Refusal {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

/**
 * `yaml`'s parseDocument, fed lexeme by lexeme through the guard (the Lexer → Parser → Composer
 * pipeline that `yaml` documents for streaming). The guard sees the very tokens the parser
 * gets, so no quoting, comment or block-scalar trick can hide a bracket from it.
 */
function parseGuarded(text: string): { doc: Document.Parsed; lines: LineCounter; unclosedQuotes: UnclosedQuotes } | Refusal {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer(PARSE_OPTIONS);
  const guard = new TokenGuard();
  const unclosedQuotes: UnclosedQuotes = new Map();
  function* tokens() {
    lines.addNewLine(0); // as Parser.parse() does: line 1 starts at offset 0
    let afterScalarMark = false;
    for (const lexeme of new Lexer().lex(text)) {
      const refusal = guard.see(lexeme, parser.offset);
      if (refusal) throw refusal;
      if (!afterScalarMark) noteUnclosedQuote(lexeme, parser.offset, unclosedQuotes);
      afterScalarMark = lexeme === "\x1f";
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  // A hostile file can make the composer create one error per token; without a stack trace
  // each costs a small object instead of a stack walk. Restored before anything else runs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    let doc: Document.Parsed | undefined;
    for (const next of composer.compose(tokens(), true, text.length)) {
      if (!doc) {
        doc = next;
        continue;
      }
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], "MULTIPLE_DOCS", "Source contains multiple documents"));
      break;
    }
    return { doc: doc!, lines, unclosedQuotes };
  } catch (err) {
    if (err instanceof Refusal) return err;
    throw err;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Quoted scalars that never close, by the offset where the lexer ended them → the offset of their opening quote. */
type UnclosedQuotes = Map<number, number>;

/**
 * Notes a quoted scalar's lexeme that has no closing quote. The lexer ends such a scalar at the
 * end of the file (or of its line, when the next line is not indented under it), and the
 * composer reports "Missing closing quote" there; the user needs the place where it opens.
 * The test is the composer's own, so that each of its errors finds its quote.
 */
function noteUnclosedQuote(lexeme: string, offset: number, out: UnclosedQuotes): void {
  const quote = lexeme[0];
  if (quote !== '"' && quote !== "'") return;
  if (lexeme.length === 1 || lexeme[lexeme.length - 1] !== quote) out.set(offset + lexeme.length, offset);
}

const TOO_DEEP = `nesting is too deep (at most ${LIMITS.maxDepth} levels)`;

/**
 * Bounds on the token stream, checked before the parser sees each token: the parser recurses
 * per nesting level and costs about the same per token, so this bounds its stack and its time.
 * It over-counts rather than under-counts: a closing bracket counts only when it matches the
 * innermost open one, and `-`/`?` indicators inside flow collections count as nesting too.
 */
class TokenGuard {
  private tokens = 0;
  private afterScalarMark = false;
  private readonly open: string[] = [];
  private indicators = 0;
  private lineStart = true;

  see(lexeme: string, offset: number): Refusal | undefined {
    if (++this.tokens > LIMITS.maxTokens) {
      return new Refusal(
        offset,
        `the file is too complex: more than ${formatCount(LIMITS.maxTokens)} YAML tokens (keys, values, punctuation, line breaks) by this point; split it into smaller workflow files`,
      );
    }
    if (this.afterScalarMark) {
      // The source of a plain or block scalar: text, whatever characters it holds.
      this.afterScalarMark = false;
      this.lineStart = false;
      return undefined;
    }
    switch (lexeme) {
      case "\x1f": // a scalar follows
        this.afterScalarMark = true;
        return undefined;
      case "\x02": // document mode, no text
        return undefined;
      case "\x18": // the lexer ended every open flow collection (an error)
        this.open.length = 0;
        return undefined;
      case "\n":
      case "\r\n":
        this.lineStart = true;
        this.indicators = 0;
        return undefined;
      case "[":
      case "{":
        this.open.push(lexeme);
        if (this.open.length > LIMITS.maxParserNesting) return new Refusal(offset, TOO_DEEP);
        break;
      case "]":
      case "}":
        if (this.open[this.open.length - 1] === (lexeme === "]" ? "[" : "{")) this.open.pop();
        break;
      case "-":
      case "?":
      case ":":
        // Compact nesting on one line (`- - - x`, `? ? x`); `:` separates flow pairs without nesting.
        if ((lexeme !== ":" || this.open.length === 0) && ++this.indicators > LIMITS.maxParserNesting) return new Refusal(offset, TOO_DEEP);
        break;
      default:
        if (this.lineStart && lexeme.startsWith(" ") && lexeme.length > LIMITS.maxIndent) {
          return new Refusal(offset + LIMITS.maxIndent, `indentation is too deep (nesting at most ${LIMITS.maxDepth} levels)`);
        }
    }
    this.lineStart = false;
    return undefined;
  }
}

/**
 * YAML syntax problems in position order, at most `LIMITS.maxErrorsPerFile` and a count of the
 * rest. A quote that is not closed is reported where it opens; when it ran to the end of the
 * file, every later problem is one of its consequences (the rest of the file became its text)
 * and is left out.
 */
function yamlProblems(map: SourceMap, found: YAMLError[], unclosedQuotes: UnclosedQuotes): Diagnostic[] {
  if (found.length === 0) return [];
  const opening = (e: YAMLError) => (e.code === "MISSING_CHAR" ? unclosedQuotes.get(e.pos[0]) : undefined);
  const at = (e: YAMLError) => opening(e) ?? e.pos[0];
  let swallowedFrom = Infinity;
  for (const e of found) {
    const start = opening(e);
    if (start !== undefined && e.pos[0] >= map.text.length) swallowedFrom = Math.min(swallowedFrom, start);
  }
  const errors = swallowedFrom === Infinity ? found : found.filter((e) => at(e) <= swallowedFrom);
  const sorted = errors.length > 1 ? [...errors].sort((a, b) => at(a) - at(b)) : errors;
  const toDiagnostic = (e: YAMLError): Diagnostic => {
    const start = opening(e);
    if (start === undefined) return { severity: "error", message: yamlMessage(e.code, e.message), pointer: "", ...map.spanOf(e.pos[0], e.pos[1]) };
    // The span ends with the quote's line: the rest of the file is no place for an annotation.
    const lineEnd = map.text.indexOf("\n", start);
    const end = Math.min(e.pos[0], lineEnd === -1 ? map.text.length : lineEnd);
    const quote = map.text[start]!;
    return { severity: "error", message: `YAML syntax error: the ${quote} quote opened here is not closed`, pointer: "", ...map.spanOf(start, end) };
  };
  const cap = LIMITS.maxErrorsPerFile;
  const kept = sorted.slice(0, cap).map(toDiagnostic);
  if (sorted.length <= cap) return kept;
  return closeList(kept, toDiagnostic(sorted[cap]!), { errors: sorted.length - cap, warnings: 0 });
}

/** Collects the tree walk's problems: the first `LIMITS.maxErrorsPerFile` written out, the rest counted. */
class Sink {
  readonly kept: Diagnostic[] = [];
  private first: Diagnostic | undefined;
  private readonly omitted: Omitted = { errors: 0, warnings: 0 };

  constructor(private readonly map: SourceMap) {}

  get size(): number {
    return this.kept.length + this.omitted.errors;
  }

  /** A problem at `offset`; `message` is written only when the problem is kept. */
  add(offset: number, path: DocPath, message: () => string): void {
    if (this.kept.length < LIMITS.maxErrorsPerFile) {
      this.kept.push(diag(this.map, offset, path, message()));
      return;
    }
    this.omitted.errors++;
    this.first ??= diag(this.map, offset, path, "");
  }

  /** The walk visits the text in order, so the kept problems are the first ones. */
  finish(): Diagnostic[] {
    return closeList(this.kept, this.first, this.omitted);
  }
}

/** Walks the parsed tree once: nesting depth, alias count, duplicate and forbidden keys. */
function inspectTree(map: SourceMap, node: unknown, path: Array<string | number>, depth: number, out: Sink, counters: { aliases: number }): void {
  if (isAlias(node)) {
    counters.aliases++;
    if (counters.aliases === LIMITS.maxAliases + 1) {
      out.add(node.range?.[0] ?? 0, path, () => `too many YAML aliases (at most ${LIMITS.maxAliases})`);
    }
    return;
  }
  const tag = (node as YamlNode | null)?.tag;
  if (tag !== undefined) {
    const shown = tag.replace(/^tag:yaml\.org,2002:/, "!!");
    out.add((node as YamlNode).range?.[0] ?? 0, path, () => `YAML tags (${shown}) are not supported in workflow files`);
    return;
  }
  if (!isMap(node) && !isSeq(node)) return;
  if (depth >= LIMITS.maxDepth) {
    out.add(node.range?.[0] ?? 0, path, () => `nesting is too deep (at most ${LIMITS.maxDepth} levels)`);
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, i) => inspectTree(map, item, [...path, i], depth + 1, out, counters));
    return;
  }
  const seen = new Map<string, Pair>();
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    const key = keyString(pair);
    const keyOffset = (pair.key as YamlNode | null)?.range?.[0] ?? node.range?.[0] ?? 0;
    if (key === undefined) {
      out.add(keyOffset, path, () => "keys must be plain strings");
      continue;
    }
    const keyPath = [...path, key];
    if (key === "<<") {
      out.add(keyOffset, keyPath, () => "YAML merge keys (<<) are not supported; write the fields out, or use an alias (*name) as a whole value");
      continue;
    }
    if (FORBIDDEN_KEYS.has(key)) {
      out.add(keyOffset, keyPath, () => `the key "${key}" is not allowed`);
    }
    const first = seen.get(key);
    if (first) {
      out.add(keyOffset, keyPath, () => {
        const firstLine = map.spanOf((first.key as YamlNode).range?.[0] ?? 0).line;
        const where = path.length ? ` in ${toDisplayPath(path)}` : "";
        return `duplicate key "${key}"${where} (first defined at line ${firstLine})`;
      });
    } else {
      seen.set(key, pair);
    }
    inspectTree(map, pair.value, keyPath, depth + 1, out, counters);
  }
}

function keyString(pair: Pair): string | undefined {
  const k = pair.key;
  if (isScalar(k) && (typeof k.value === "string" || typeof k.value === "number" || typeof k.value === "boolean")) {
    return String(k.value);
  }
  return undefined;
}

function diag(map: SourceMap, offset: number, path: DocPath, message: string): Diagnostic {
  const span = map.spanOf(offset);
  const where = path.length ? `${toDisplayPath(path)}: ` : "";
  return { severity: "error", message: where + message, pointer: toPointer(path), ...span };
}

function atOffset(text: string, offset: number, message: string): Diagnostic {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const col = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { severity: "error", message, pointer: "", line, col };
}

function jsonSyntaxError(text: string, err: Error): Diagnostic {
  const found = findJsonSyntaxError(text);
  if (found) return atOffset(text, found.offset, `JSON syntax error: ${found.message}`);
  return atOffset(text, 0, `JSON syntax error: ${err.message.split("\n")[0]}`);
}

const YAML_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: "a workflow file holds one YAML document; remove the second one (after ---)",
  TAB_AS_INDENT: "YAML syntax error: tabs are not allowed for indentation; use spaces",
  TAG_RESOLVE_FAILED: "YAML tags are not supported in workflow files",
  BAD_ALIAS: "YAML syntax error: an alias (*name) must refer to an anchor (&name) defined before it",
};

function yamlMessage(code: string, message: string): string {
  return YAML_MESSAGES[code] ?? `YAML syntax error: ${message.replace(/\s+at line \d+, column \d+.*$/s, "")}`;
}
