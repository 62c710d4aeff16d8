// The parse stage of a workflow file: YAML or JSON text to a plain value and a source map, or diagnostics with positions.
import type { Diagnostic } from "../domain/diagnostic.js";
import { LIMITS } from "./limits.js";
import { parseGuarded, Refusal } from "./source-guard.js";
import { inspectTree, Sink } from "./source-inspect.js";
import { SourceMap } from "./source-map.js";
import { atOffset, jsonSyntaxError, yamlProblems } from "./source-syntax-errors.js";

export { SourceMap, type Span } from "./source-map.js";

export type SourceFormat = "yaml" | "json";

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
