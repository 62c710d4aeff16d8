/** A problem found in a workflow file, located at a line and column of its source. */
export type DiagnosticSeverity = "error" | "warning";

export interface Diagnostic {
  severity: DiagnosticSeverity;
  message: string;
  /** 1-based line of the offending node. */
  line: number;
  /** 1-based column of the offending node. */
  col: number;
  /** JSON pointer to the offending node ("" for the whole document). */
  pointer: string;
  /** 1-based end position, when known (used for PR annotations). */
  endLine?: number;
  endCol?: number;
}

/** Formats a diagnostic the way compilers do: `path:line:col: severity: message`. */
export function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
