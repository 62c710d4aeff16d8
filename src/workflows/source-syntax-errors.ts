// The parse stage's syntax errors: YAML's problems in position order (unclosed quotes where they open), and JSON's.
import type { YAMLError } from "yaml";
import type { Diagnostic } from "../domain/diagnostic.js";
import { closeList } from "./diagnostic-cap.js";
import { findJsonSyntaxError } from "./json-syntax.js";
import { LIMITS } from "./limits.js";
import type { UnclosedQuotes } from "./source-guard.js";
import type { SourceMap } from "./source-map.js";

/**
 * YAML syntax problems in position order, at most `LIMITS.maxErrorsPerFile` and a count of the
 * rest. A quote that is not closed is reported where it opens; when it ran to the end of the
 * file, every later problem is one of its consequences (the rest of the file became its text)
 * and is left out.
 */
export function yamlProblems(map: SourceMap, found: YAMLError[], unclosedQuotes: UnclosedQuotes): Diagnostic[] {
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

export function atOffset(text: string, offset: number, message: string): Diagnostic {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const col = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { severity: "error", message, pointer: "", line, col };
}

export function jsonSyntaxError(text: string, err: Error): Diagnostic {
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
