/**
 * How `governance runs` shows stored runs: pure functions from run records to text and JSON.
 * Names, errors and log lines come from repositories and the outside world, so every cell is
 * cut to one line and cleaned of control and bidi characters before it reaches a terminal.
 */
import type { LogEntry, Run, StepRecord, WaitState } from "../domain/run.js";
import { display } from "../events/payload-read.js";

/** A run as `governance runs` sees it: "waiting" is a running run with a waiting step. */
export type ShownStatus = Run["status"] | "waiting";

/** The statuses `--status` takes, in a run's order of life. */
export const SHOWN_STATUSES: readonly ShownStatus[] = ["pending", "running", "waiting", "succeeded", "failed", "cancelled"];

/** The run's status as shown: its stored one, or "waiting" for a running run with a waiting step. */
export function shownStatus(run: Run): ShownStatus {
  return run.status === "running" && waitingSteps(run).length > 0 ? "waiting" : run.status;
}

function waitingSteps(run: Run): StepRecord[] {
  return run.steps.filter((s) => s.status === "waiting" && s.waiting);
}

/** One wait of a run: its step, what it waits for and until when (undefined: no time limit). */
export interface WaitView {
  step: string;
  kind: WaitState["kind"];
  for: string;
  until?: string;
  /** An approval's votes so far. */
  votes?: Array<{ actor: string; decision: string; at: string; via: string }>;
}

/** What each waiting step of the run waits for, and until when. */
export function waitsOf(run: Run): WaitView[] {
  return waitingSteps(run).map((s) => {
    const w = s.waiting!;
    const until = w.kind === "timer" || w.kind === "retry" ? w.until : w.timeoutAt;
    const votes = w.kind === "approval" ? w.votes.map(({ actor, decision, at, via }) => ({ actor, decision, at, via })) : undefined;
    return { step: s.stepId, kind: w.kind, for: waitFor(w), ...(until ? { until } : {}), ...(votes ? { votes } : {}) };
  });
}

function waitFor(w: WaitState): string {
  switch (w.kind) {
    case "timer":
      return "a timer";
    case "retry":
      return w.paced ? "GitHub's rate limit" : `a retry after: ${w.lastError}`;
    case "approval": {
      const approvals = w.votes.filter((v) => v.decision === "approve").length;
      return `approval by ${w.approvers.join(", ")} (${approvals} of ${w.minApprovals})`;
    }
    case "event":
      return w.event === "issueClosed" ? `${w.target} to close` : w.event === "alertResolved" ? `the alert ${w.target} to be resolved` : `the check ${w.target.split("@")[0]} to complete`;
  }
}

/** What a run is at, in a few words: its wait, its running step, or the step it failed at. */
function currently(run: Run): string {
  const [wait, ...more] = waitsOf(run);
  if (wait) return `${wait.step}: ${wait.for}${wait.until ? ` until ${time(wait.until)}` : ""}${more.length ? ` (+${more.length} more)` : ""}`;
  if (run.status === "failed") {
    const failed = run.steps.findLast((s) => s.status === "failed");
    return failed ? `${failed.stepId} failed: ${failed.error ?? "unknown error"}` : "failed";
  }
  if (run.status === "cancelled" && run.cancelRequested) return `cancelled by ${run.cancelRequested.actor}`;
  if (run.status === "running" || run.status === "pending") return run.currentStepId ?? "—";
  return "—";
}

/** The JSON of a listed run. */
export function listedRun(run: Run) {
  return {
    id: run.id,
    repository: run.repository,
    workflow: { id: run.workflowId, name: run.workflowName, version: run.workflowVersion, path: run.workflowPath },
    status: shownStatus(run),
    createdAt: run.createdAt,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    currentStep: run.currentStepId ?? null,
    waits: waitsOf(run),
  };
}

/** The list as a table, newest first. */
export function renderList(runs: Run[]): string {
  const header = ["RUN", "REPOSITORY", "WORKFLOW", "STATUS", "STARTED (UTC)", "FINISHED (UTC)", "AT"];
  const rows = runs.map((r) => [r.id, cell(r.repository, 60), cell(r.workflowName, 40), shownStatus(r), time(r.startedAt, ""), time(r.finishedAt, ""), cell(currently(r), 100)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

const MARK: Record<string, string> = { succeeded: "✓", failed: "✗", skipped: "-", running: "…", pending: "…", waiting: "⏸", cancelled: "⏹" };

/** One run in full: what it is, its steps with their outputs and errors, its waits, its log. */
export function renderRun(run: Run): string {
  const lines = [
    `run ${run.id}: ${shownStatus(run)}`,
    `  workflow    ${cell(run.workflowName, 200)} ${cell(run.workflowVersion, 50)} (${cell(run.workflowPath, 200)} at ${run.workflowCommit.slice(0, 7)})`,
    `  repository  ${cell(run.repository, 200)}`,
    `  created     ${time(run.createdAt)}`,
    `  started     ${time(run.startedAt)}`,
    `  finished    ${time(run.finishedAt)}`,
    `  delivery    ${cell(run.deliveryId, 200)}`,
    ...(run.checkRunId === undefined ? [] : [`  check run   ${run.checkRunId}`]),
    ...(run.cancelRequested ? [`  cancel      asked by ${cell(run.cancelRequested.actor, 100)} at ${time(run.cancelRequested.at)}`] : []),
    "",
    "steps:",
  ];
  if (run.steps.length === 0) lines.push("  (none yet)");
  for (const s of run.steps) {
    const took = s.startedAt && s.finishedAt ? `, ${Date.parse(s.finishedAt) - Date.parse(s.startedAt)} ms` : "";
    const attempt = s.attempt > 1 ? ` (attempt ${s.attempt})` : "";
    lines.push(`  ${MARK[s.status] ?? "?"} ${cell(s.stepId, 100)}${attempt}  ${s.type}${s.kind ? ` ${s.kind}` : ""}  ${s.status}${s.outcome ? ` → ${cell(s.outcome, 50)}` : ""}${took}`);
    if (s.parameters) lines.push(`      parameters ${cell(JSON.stringify(s.parameters), 2_000)}`);
    if (s.outputs) lines.push(`      outputs    ${cell(JSON.stringify(s.outputs), 2_000)}`);
    if (s.error) lines.push(`      error      ${cell(s.error, 2_000)}`);
  }
  const waits = waitsOf(run);
  lines.push("", "waits:");
  if (waits.length === 0) lines.push("  (none)");
  for (const w of waits) {
    lines.push(`  ${cell(w.step, 100)}: ${cell(w.for, 500)}, ${w.until ? `until ${time(w.until)}` : "no time limit"}`);
    for (const v of w.votes ?? []) lines.push(`      ${v.decision === "approve" ? "approved" : "rejected"} by ${cell(v.actor, 100)} at ${time(v.at)} (${v.via})`);
  }
  lines.push("", "log:");
  if (run.log.length === 0) lines.push("  (empty)");
  for (const entry of run.log) lines.push(`  ${logLine(entry)}`);
  return lines.join("\n") + "\n";
}

function logLine(entry: LogEntry): string {
  const meta = Object.entries(entry.meta ?? {}).map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return cell(`${entry.ts.replace("T", " ").replace("Z", "")} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}${meta.join("")}`, 4_000);
}

/** `2026-12-04 03:00:00 UTC` (the zone left out where a column's heading says it); "—" when absent. */
function time(iso: string | undefined, zone = " UTC"): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? cell(iso, 40) : `${d.toISOString().slice(0, 19).replace("T", " ")}${zone}`;
}

function cell(text: string, max: number): string {
  return display(text, max).replace(/\s+/g, " ");
}
