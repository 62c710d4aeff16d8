// The parse stage's source map: from a path in a parsed document back to lines and columns of its text.
import { isAlias, isMap, isScalar, isSeq, Scalar } from "yaml";
import type { Document, LineCounter, Node as YamlNode, Pair, YAMLMap } from "yaml";
import type { DocPath } from "../domain/paths.js";

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

/** A pair's key as a string, when it is a plain scalar (a string, number or boolean). */
export function keyString(pair: Pair): string | undefined {
  const k = pair.key;
  if (isScalar(k) && (typeof k.value === "string" || typeof k.value === "number" || typeof k.value === "boolean")) {
    return String(k.value);
  }
  return undefined;
}
