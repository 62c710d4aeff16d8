/**
 * Per-file caps on diagnostics. A hostile file can hold tens of thousands of problems; each
 * stage collects them cheaply (position, severity, a message still to be written), and only
 * the first `LIMITS.maxErrorsPerFile` by position get their message written (suggestions
 * included). One last diagnostic then says how many more there are.
 */
import type { DocPath } from "../domain/paths.js";
import type { Diagnostic, DiagnosticSeverity } from "../domain/diagnostic.js";
import { LIMITS } from "./limits.js";
import { didYouMean } from "../domain/suggest.js";

/** How many problems were left out of a file's list, by severity. */
export interface Omitted {
  errors: number;
  warnings: number;
}

/** The diagnostic that closes a capped list: "… and N more errors", at the first one left out. */
export interface OmissionDiagnostic extends Diagnostic {
  omitted: Omitted;
}

/** The omission counts of a diagnostic, when it is the one that closes a capped list. */
export function omissionOf(d: Diagnostic): Omitted | undefined {
  const omitted = (d as Partial<OmissionDiagnostic>).omitted;
  return omitted && typeof omitted.errors === "number" && typeof omitted.warnings === "number" ? omitted : undefined;
}

/** Errors and warnings of a list, counting those a capped list left out. */
export function countDiagnostics(diagnostics: readonly Diagnostic[]): Omitted {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    const omitted = omissionOf(d);
    if (omitted) {
      errors += omitted.errors;
      warnings += omitted.warnings;
    } else if (d.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** `(input, candidates) → " (did you mean "x"?)"`, or "" once a file's suggestion budget is spent. */
export type Suggest = (input: string, candidates: readonly string[]) => string;

/** How a check reports a problem at a path: a message (or one written with suggestions, when kept), an error unless it says otherwise. */
export type Report = (path: DocPath, message: string | ((suggest: Suggest) => string), severity?: DiagnosticSeverity, offset?: number) => void;

/** A diagnostic whose message may still have to be written (only the kept ones are). */
export interface PendingDiagnostic {
  severity: DiagnosticSeverity;
  line: number;
  col: number;
  endLine?: number;
  endCol?: number;
  pointer: string;
  message: string | ((suggest: Suggest) => string);
}

/** A suggester that gives at most `LIMITS.maxSuggestionsPerFile` suggestions, then none. */
export function suggestionBudget(limit: number = LIMITS.maxSuggestionsPerFile): Suggest {
  let left = limit;
  return (input, candidates) => {
    if (left <= 0) return "";
    left--;
    return didYouMean(input, candidates);
  };
}

/** `73901` → `73,901`, without the cost of Intl (toLocaleString sets up a formatter each call). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Writes nothing: for keys that must not depend on the budget (deduplication). */
export const noSuggestion: Suggest = () => "";

/**
 * Sorts by position (stably), keeps the first `cap`, writes their messages, and appends the
 * omission diagnostic when more were found. Linear apart from the sort.
 */
export function finishDiagnostics(pending: PendingDiagnostic[], cap: number = LIMITS.maxErrorsPerFile): Diagnostic[] {
  const sorted = pending.length > 1 ? [...pending].sort((a, b) => a.line - b.line || a.col - b.col) : pending;
  const suggest = suggestionBudget();
  const kept: Diagnostic[] = sorted.slice(0, cap).map((p) => written(p, suggest));
  if (sorted.length <= cap) return kept;
  const rest = sorted.slice(cap);
  const omitted: Omitted = { errors: 0, warnings: 0 };
  for (const p of rest) {
    if (p.severity === "error") omitted.errors++;
    else omitted.warnings++;
  }
  kept.push(omission(rest[0]!, omitted, cap));
  return kept;
}

/**
 * Caps a list that is already in position order (a tree walk, parser errors sorted by offset):
 * `first` is the first diagnostic left out, `omitted` counts it and every later one.
 */
export function closeList(kept: Diagnostic[], first: Omit<Diagnostic, "message" | "severity"> | undefined, omitted: Omitted, cap: number = LIMITS.maxErrorsPerFile): Diagnostic[] {
  if (!first || omitted.errors + omitted.warnings === 0) return kept;
  return [...kept, omission(first, omitted, cap)];
}

function written(p: PendingDiagnostic, suggest: Suggest): Diagnostic {
  const d: Diagnostic = { severity: p.severity, message: typeof p.message === "string" ? p.message : p.message(suggest), line: p.line, col: p.col, pointer: p.pointer };
  if (p.endLine !== undefined) d.endLine = p.endLine;
  if (p.endCol !== undefined) d.endCol = p.endCol;
  return d;
}

function omission(at: Omit<Diagnostic, "message" | "severity">, omitted: Omitted, cap: number): OmissionDiagnostic {
  const parts: string[] = [];
  if (omitted.errors > 0) parts.push(`${formatCount(omitted.errors)} more ${omitted.errors === 1 ? "error" : "errors"}`);
  if (omitted.warnings > 0) parts.push(`${formatCount(omitted.warnings)} more ${omitted.warnings === 1 ? "warning" : "warnings"}`);
  return {
    severity: omitted.errors > 0 ? "error" : "warning",
    message: `and ${parts.join(" and ")}, from here on (only the first ${cap} problems of a file are reported)`,
    line: at.line,
    col: at.col,
    pointer: at.pointer,
    omitted,
  };
}
