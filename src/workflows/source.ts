import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, Scalar } from "yaml";
import type { Document, Node as YamlNode, Pair } from "yaml";
import type { Diagnostic } from "../domain/diagnostic.js";
import { findJsonSyntaxError } from "./json-syntax.js";
import { LIMITS } from "./limits.js";
import { toDisplayPath, toPointer, type DocPath } from "./paths.js";

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
        const pair = node.items.find((p) => keyString(p) === String(seg));
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
}

export type ParseResult =
  | { ok: true; value: unknown; map: SourceMap }
  | { ok: false; diagnostics: Diagnostic[] };

/** Parse stage: YAML or JSON text → a plain value and a source map, or errors with positions. */
export function parseSource(text: string, format: SourceFormat): ParseResult {
  const guard = prescan(text);
  if (guard) return { ok: false, diagnostics: [atOffset(text, guard.offset, guard.message)] };

  let jsonValue: unknown;
  if (format === "json") {
    try {
      jsonValue = JSON.parse(text);
    } catch (err) {
      return { ok: false, diagnostics: [jsonSyntaxError(text, err as Error)] };
    }
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    strict: true,
    uniqueKeys: false, // duplicates are reported below, with both places named
    version: "1.2",
    schema: "core",
    merge: false,
  });
  const map = new SourceMap(text, doc, lines);
  const diagnostics: Diagnostic[] = [];

  if (format === "yaml") {
    for (const e of [...doc.errors, ...doc.warnings]) {
      const span = map.spanOf(e.pos[0], e.pos[1]);
      diagnostics.push({ severity: "error", message: yamlMessage(e.code, e.message), pointer: "", ...span });
    }
    if (diagnostics.length > 0) return { ok: false, diagnostics };
  }

  inspectTree(map, doc.contents, [], 0, diagnostics, { aliases: 0 });
  if (diagnostics.length > 0) return { ok: false, diagnostics };

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

/** Walks the parsed tree once: nesting depth, alias count, duplicate and forbidden keys. */
function inspectTree(
  map: SourceMap,
  node: unknown,
  path: Array<string | number>,
  depth: number,
  out: Diagnostic[],
  counters: { aliases: number },
): void {
  if (isAlias(node)) {
    counters.aliases++;
    if (counters.aliases === LIMITS.maxAliases + 1) {
      out.push(diag(map, node.range?.[0] ?? 0, path, `too many YAML aliases (at most ${LIMITS.maxAliases})`));
    }
    return;
  }
  const tag = (node as YamlNode | null)?.tag;
  if (tag !== undefined) {
    const shown = tag.replace(/^tag:yaml\.org,2002:/, "!!");
    out.push(diag(map, (node as YamlNode).range?.[0] ?? 0, path, `YAML tags (${shown}) are not supported in workflow files`));
    return;
  }
  if (!isMap(node) && !isSeq(node)) return;
  if (depth >= LIMITS.maxDepth) {
    out.push(diag(map, node.range?.[0] ?? 0, path, `nesting is too deep (at most ${LIMITS.maxDepth} levels)`));
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
      out.push(diag(map, keyOffset, path, "keys must be plain strings"));
      continue;
    }
    const keyPath = [...path, key];
    if (key === "<<") {
      out.push(diag(map, keyOffset, keyPath, "YAML merge keys (<<) are not supported; write the fields out, or use an alias (*name) as a whole value"));
      continue;
    }
    if (FORBIDDEN_KEYS.has(key)) {
      out.push(diag(map, keyOffset, keyPath, `the key "${key}" is not allowed`));
    }
    const first = seen.get(key);
    if (first) {
      const firstLine = map.spanOf((first.key as YamlNode).range?.[0] ?? 0).line;
      const where = path.length ? ` in ${toDisplayPath(path)}` : "";
      out.push(diag(map, keyOffset, keyPath, `duplicate key "${key}"${where} (first defined at line ${firstLine})`));
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

/**
 * A linear scan before the YAML parser sees the text: the parser recurses per nesting level,
 * so absurd nesting (a 10k-deep `[[[[`) is refused here without building anything.
 */
function prescan(text: string): { offset: number; message: string } | undefined {
  const limit = LIMITS.maxDepth * 4;
  let flow = 0;
  let quote: string | undefined;
  let lineStart = true;
  let dashes = 0;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
      else if (c === "\n" && flow === 0) quote = undefined;
      continue;
    }
    if (c === "\n") {
      lineStart = true;
      dashes = 0;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === " ") {
        if (++indent > limit * 2) return { offset: i, message: `indentation is too deep (nesting at most ${LIMITS.maxDepth} levels)` };
        continue;
      }
      if (c === "-" && (text[i + 1] === " " || text[i + 1] === "\n")) {
        if (++dashes > limit) return { offset: i, message: `nesting is too deep (at most ${LIMITS.maxDepth} levels)` };
        i++;
        continue;
      }
      lineStart = false;
    }
    if (c === "#" && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf("\n", i);
      i = (nl === -1 ? text.length : nl) - 1;
    } else if (c === '"' || (c === "'" && (i === 0 || /[\s[{,:]/.test(text[i - 1]!)))) {
      quote = c;
    } else if (c === "[" || c === "{") {
      if (++flow > limit) return { offset: i, message: `nesting is too deep (at most ${LIMITS.maxDepth} levels)` };
    } else if ((c === "]" || c === "}") && flow > 0) {
      flow--;
    }
  }
  return undefined;
}
