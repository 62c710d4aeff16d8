/** Renders the validation of `.governance/` files as the `governance / validate` check run: pure, one annotation per diagnostic, capped, with a summary. */
import type { Diagnostic } from "../domain/diagnostic.js";
import { hasErrors } from "../domain/diagnostic.js";
import type { CheckAnnotation } from "../domain/ports.js";
import { countDiagnostics, formatCount, omissionOf } from "../workflows/diagnostic-cap.js";
import { LIMITS } from "../workflows/limits.js";
import type { WorkflowFile } from "../workflows/load.js";
import { codeSpan, escapeMarkdown, plainText } from "./render-run.js";
import { truncate } from "./truncate.js";

/** The validation check of a pull request that changes `.governance/`. */
export interface ValidationCheck {
  name: "governance / validate";
  conclusion: "success" | "failure";
  title: string;
  summary: string;
  /**
   * Annotations in requests of at most 50: the first with the create call, the rest by updates,
   * which append. At most `LIMITS.maxAnnotations` in all, so a check run takes a few requests.
   */
  annotationBatches: CheckAnnotation[][];
  /** Problems found but not annotated (the summary says so). */
  unannotated: number;
}

/** GitHub takes at most 50 annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's cap on an annotation title. */
const MAX_TITLE = 255;
/** Diagnostics are short; the cap guards against a runaway message (GitHub allows 64 KB). */
const MAX_MESSAGE = 4_000;
/** Problems listed in the summary, for files outside the diff whose annotations GitHub hides. */
const MAX_LISTED = 100;

/**
 * Renders the validation of workflow files as a check: pure, one annotation per diagnostic, up
 * to `LIMITS.maxAnnotations` (files in order; a file's own list is already capped at
 * `LIMITS.maxErrorsPerFile`, closed by an "and N more" diagnostic).
 */
export function renderValidationCheck(files: readonly WorkflowFile[]): ValidationCheck {
  const annotations: CheckAnnotation[] = [];
  /** Problems annotated one by one (an "and N more" annotation stands for problems it does not show). */
  let shown = 0;
  for (const file of files) {
    for (const d of file.diagnostics) {
      if (annotations.length >= LIMITS.maxAnnotations) break;
      annotations.push(toAnnotation(file.path, d));
      if (!omissionOf(d)) shown++;
    }
  }
  const problems = files.reduce((n, f) => {
    const c = countDiagnostics(f.diagnostics);
    return n + c.errors + c.warnings;
  }, 0);
  const unannotated = problems - shown;
  return {
    name: "governance / validate",
    conclusion: files.some((f) => hasErrors(f.diagnostics)) ? "failure" : "success",
    title: plainText(validationTitle(files), MAX_TITLE),
    summary: truncate(renderSummary(files, shown, unannotated)),
    annotationBatches: chunk(annotations, ANNOTATIONS_PER_REQUEST),
    unannotated,
  };
}

/**
 * A diagnostic at its exact place. Columns are sent only for one-line spans, as GitHub
 * requires; a diagnostic's end column points past the node, GitHub's is the last character.
 */
export function toAnnotation(path: string, d: Diagnostic): CheckAnnotation {
  let endLine = Math.max(d.line, d.endLine ?? d.line);
  let endCol = d.endCol;
  // A span that ends at the start of a line really ends on the line before.
  if (endLine > d.line && endCol === 1) {
    endLine--;
    endCol = undefined;
  }
  const annotation: CheckAnnotation = {
    path,
    startLine: d.line,
    endLine,
    level: d.severity === "error" ? "failure" : "warning",
    message: plainMessage(d.message),
    title: plainText(`${d.severity}: ${path}:${d.line}:${d.col}`, MAX_TITLE),
  };
  if (endLine === d.line) {
    annotation.startColumn = d.col;
    annotation.endColumn = endCol !== undefined && endCol > d.col ? endCol - 1 : d.col;
  }
  return annotation;
}

function plainMessage(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

function validationTitle(files: readonly WorkflowFile[]): string {
  if (files.length === 0) return "No workflow files found";
  const { errors, warnings } = countDiagnostics(files.flatMap((f) => f.diagnostics));
  const invalid = files.filter((f) => hasErrors(f.diagnostics)).length;
  const checked = plural(files.length, "workflow file");
  if (invalid > 0) return `${plural(errors, "error")} in ${invalid} of ${checked}`;
  return warnings > 0 ? `${checked} valid, with ${plural(warnings, "warning")}` : `${checked} valid`;
}

function renderSummary(files: readonly WorkflowFile[], shown: number, unannotated: number): string {
  if (files.length === 0) return "No workflow files found in `.governance/`.\n";
  const all = files.flatMap((f) => f.diagnostics);
  const { errors, warnings } = countDiagnostics(all);
  const invalid = files.filter((f) => hasErrors(f.diagnostics)).length;
  const lines = [
    `**${plural(files.length, "file")} checked: ${files.length - invalid} valid, ${invalid} invalid (${plural(errors, "error")}, ${plural(warnings, "warning")})**`,
    "",
  ];
  if (unannotated > 0) {
    lines.push(
      `> **More problems exist than are annotated:** ${plural(shown, "problem")} annotated, ${formatCount(unannotated)} more not ` +
        `(at most ${LIMITS.maxAnnotations} annotations per check run and ${LIMITS.maxErrorsPerFile} problems per file are reported). ` +
        "Fix these and push again to see the rest.",
      "",
    );
  }
  lines.push("| File | Status | Errors | Warnings |", "|---|---|---|---|");
  for (const file of files) {
    const c = countDiagnostics(file.diagnostics);
    const status = c.errors > 0 ? "❌ invalid" : c.warnings > 0 ? "⚠️ valid, with warnings" : "✅ valid";
    lines.push(`| ${escapeMarkdown(file.path)} | ${status} | ${c.errors} | ${c.warnings} |`);
  }
  if (all.length > 0) {
    lines.push("", "### Problems", "");
    const listed = files.flatMap((f) => f.diagnostics.map((d) => ({ path: f.path, d }))).slice(0, MAX_LISTED);
    for (const { path, d } of listed) {
      lines.push(`- ${codeSpan(`${path}:${d.line}:${d.col}`)} ${d.severity}: ${escapeMarkdown(plainMessage(d.message))}`);
    }
    if (all.length > MAX_LISTED) lines.push(`- … and ${all.length - MAX_LISTED} more (see the annotations)`);
  }
  return lines.join("\n") + "\n";
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
