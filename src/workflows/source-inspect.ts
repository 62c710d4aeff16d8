// The parse stage's walk of the parsed tree: nesting depth, alias count, tags, duplicate and forbidden keys.
import { isAlias, isMap, isPair, isSeq } from "yaml";
import type { Node as YamlNode, Pair } from "yaml";
import type { Diagnostic } from "../domain/diagnostic.js";
import { toDisplayPath, toPointer, type DocPath } from "../domain/paths.js";
import { closeList, type Omitted } from "./diagnostic-cap.js";
import { LIMITS } from "./limits.js";
import { keyString, type SourceMap } from "./source-map.js";

/** Keys that could reach an object's prototype if a consumer ever merged the value carelessly. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Collects the tree walk's problems: the first `LIMITS.maxErrorsPerFile` written out, the rest counted. */
export class Sink {
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
export function inspectTree(map: SourceMap, node: unknown, path: Array<string | number>, depth: number, out: Sink, counters: { aliases: number }): void {
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

function diag(map: SourceMap, offset: number, path: DocPath, message: string): Diagnostic {
  const span = map.spanOf(offset);
  const where = path.length ? `${toDisplayPath(path)}: ` : "";
  return { severity: "error", message: where + message, pointer: toPointer(path), ...span };
}
