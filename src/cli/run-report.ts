/** Prints a dry run's outcome (step traces, the calls it would make, check runs, skipped files) as text or JSON, and picks the exit status. */
import { formatDiagnostic } from "../domain/diagnostic.js";
import type { RecordedCall } from "../github/recording-port.js";
import type { WorkflowFile } from "../workflows/index.js";
import type { RunReport } from "./dry-run-session.js";
import { EXIT, type CliIO } from "./io.js";

/** Everything a dry run prints. */
export interface DryRunResult {
  runs: RunReport[];
  otherCalls: RecordedCall[];
  files: WorkflowFile[];
  /** Why nothing ran, when nothing did. */
  message?: string;
  /** The payload's own problems the app would log (a dispatch's bad finding). */
  warnings: string[];
  /** What the dry run could not know and assumed (a paths filter without --changed-files). */
  hints: string[];
}

/** Prints a dry run's result as text or JSON; returns the exit status: 1 when a run failed or was cancelled. */
export function printDryRun(io: CliIO, format: "text" | "json", result: DryRunResult): number {
  if (format === "json") {
    io.stdout.write(
      JSON.stringify(
        {
          runs: result.runs.map(({ id: _id, ...r }) => r),
          ...(result.otherCalls.length ? { otherCalls: result.otherCalls } : {}),
          ...(result.message ? { message: result.message } : {}),
          ...(result.warnings.length ? { warnings: result.warnings } : {}),
          ...(result.hints.length ? { hints: result.hints } : {}),
          invalidFiles: result.files.filter((f) => !f.workflow).map((f) => ({ path: f.path, errors: f.diagnostics })),
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    for (const w of result.warnings) io.stdout.write(`warning: ${w}\n`);
    for (const h of result.hints) io.stdout.write(`hint: ${h}\n`);
    for (const f of result.files) for (const d of f.diagnostics) io.stdout.write(formatDiagnostic(f.path, d) + (f.workflow ? "\n" : " (file skipped)\n"));
    if (result.message) io.stdout.write(result.message + "\n");
    for (const r of result.runs) io.stdout.write(describeRun(r));
    if (result.otherCalls.length) io.stdout.write(["", "would also call (outside any run):", ...result.otherCalls.map(callLine)].join("\n") + "\n");
  }
  // A run still waiting (an approval nobody answered) has not failed.
  return result.runs.some((r) => r.status === "failed" || r.status === "cancelled") ? EXIT.failed : EXIT.ok;
}

const MARK: Record<string, string> = { succeeded: "✓", failed: "✗", skipped: "-", running: "…", pending: "…", waiting: "⏸", cancelled: "⏹" };

function describeRun(r: RunReport): string {
  const lines = [``, `${r.workflow} (${r.path}): ${r.status}`];
  if (r.scheduledFor) lines.push(`  tick ${r.scheduledFor}`);
  for (const s of r.steps) {
    const outcome = s.outcome && !s.outcome.startsWith("case") ? ` → ${s.outcome}` : "";
    lines.push(`  ${MARK[s.status] ?? "?"} ${s.id}${s.action ? ` ${s.action.kind} ${JSON.stringify(s.action.parameters)}` : ""}${outcome}${s.note ? ` (${s.note})` : ""}${s.error ? `: ${s.error}` : ""}`);
  }
  if (r.calls.length > 0) {
    lines.push("  would call:");
    lines.push(...r.calls.map(callLine));
  }
  const check = r.checkRun;
  if (!check) {
    lines.push("  no check run: it could not be created");
  } else {
    // As posted: a run waiting for approval is completed with action_required and its buttons.
    lines.push(`  check run "${check.name}": ${check.conclusion ?? (check.status === "in_progress" ? "in progress" : (check.status ?? "not started"))}: ${check.title}`);
    if (check.actions.length > 0) lines.push(`    buttons: ${check.actions.map((a) => a.label).join(", ")}`);
    lines.push(...check.summary.split("\n").map((l) => `    ${l}`));
  }
  return lines.join("\n") + "\n";
}

function callLine(c: Pick<RecordedCall, "kind" | "target" | "details">): string {
  return `    ${c.kind} ${c.target} ${JSON.stringify(c.details)}`;
}
