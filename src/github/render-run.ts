/** Renders a run as its check run (name, title, conclusion, summary, log), pure and deterministic, and the Markdown escaping the renderers share. */
import { clip, codeSpan, escapeMarkdown, fenceFor, markdownLink, oneLine, plainText, stripControls } from "./markdown.js";
import { workflowOriginMarkdown } from "./render-origin.js";
import type { CheckConclusion } from "../domain/ports.js";
import type { LogEntry, Run, RunStatus, StepRecord, StepStatus } from "../domain/run.js";
import { cutAtLine, defaultMarker, GITHUB_TEXT_LIMIT, truncate } from "./truncate.js";

export { codeSpan, escapeMarkdown, fenceFor, markdownLink, plainText } from "./markdown.js";

/** A run's check run, ready for the GitHub port: everything GitHub shows about the run. */
export interface RunCheck {
  name: string;
  title: string;
  summary: string;
  text: string;
  conclusion?: CheckConclusion;
  status: "in_progress" | "completed";
}

export interface RenderRunOptions {
  /** Where the run can be looked at (the app's run page), linked from the summary. */
  runUrl?: string;
}

/** GitHub caps check run names at 255 characters; titles get the same bound to stay readable. */
const MAX_NAME = 255;
const MAX_ERROR_CHARS = 2_000;
const MAX_ERRORS_SHOWN = 10;
const MAX_LOG_LINE = 4_000;
const MAX_META_VALUE = 300;

const CONCLUSIONS: Record<RunStatus, CheckConclusion | undefined> = {
  pending: undefined,
  running: undefined,
  succeeded: "success",
  failed: "failure",
  cancelled: "cancelled",
};

const MARKS: Record<StepStatus, string> = {
  succeeded: "✅",
  failed: "❌",
  skipped: "⏭",
  running: "⏳",
  pending: "⏸",
  waiting: "⏸",
  cancelled: "⏹",
};

/** Renders a run as its check run (name, title, conclusion, summary, log); pure and deterministic. */
export function renderRunCheck(run: Run, options: RenderRunOptions = {}): RunCheck {
  const conclusion = CONCLUSIONS[run.status];
  return {
    name: plainText(`governance / ${run.workflowName}`, MAX_NAME),
    title: plainText(runTitle(run), MAX_NAME),
    summary: truncate(renderSummary(run, options)),
    text: renderText(run),
    ...(conclusion ? { conclusion } : {}),
    status: conclusion ? "completed" : "in_progress",
  };
}

/** What a waiting step waits for, in a few words. */
function waitingFor(record: Run["steps"][number]): string {
  const w = record.waiting!;
  switch (w.kind) {
    case "timer":
      return `until ${w.until.replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC")}`;
    case "retry":
      return `trying again at ${w.until.replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC")}`;
    case "event":
      if (w.event === "workflowRunCompleted") return w.dispatch ? `for the dispatched run of ${w.dispatch.workflowPath} to start and complete` : `for workflow run ${w.target.split(":").at(-1)} to complete`;
      return w.event === "issueClosed" ? `for ${w.target} to close` : w.event === "alertResolved" ? "for the alert to be resolved" : `for the check ${w.target.split("@")[0]} to complete`;
    case "approval":
      return "for approval";
  }
}

function runTitle(run: Run): string {
  const total = run.steps.length;
  const done = run.steps.filter((s) => s.status === "succeeded").length;
  const skipped = run.steps.filter((s) => s.status === "skipped").length;
  const steps = `${total} ${total === 1 ? "step" : "steps"}`;
  switch (run.status) {
    case "succeeded":
      return `Succeeded: ${done} of ${steps}${skipped ? ` (${skipped} skipped)` : ""}`;
    case "failed": {
      const failed = failingStep(run);
      return failed ? `Failed at step "${failed.stepId}" (${failed.kind ?? failed.type})` : "Failed";
    }
    case "cancelled":
      return `Cancelled after ${done} of ${steps}`;
    case "running": {
      const waiting = run.steps.filter((s) => s.status === "waiting");
      const approval = waiting.find((s) => s.waiting?.kind === "approval");
      if (approval?.waiting?.kind === "approval") {
        const approvals = approval.waiting.votes.filter((v) => v.decision === "approve").length;
        return `Waiting for approval at step "${approval.stepId}" (${approvals} of ${approval.waiting.minApprovals})`;
      }
      if (waiting.length > 0) return `Waiting at step "${waiting[0]!.stepId}" (${waitingFor(waiting[0]!)})`;
      const current = run.steps.find((s) => s.stepId === run.currentStepId && s.status === "running") ?? run.steps.findLast((s) => s.status === "running");
      return current ? `Running step "${current.stepId}" (${done} of ${steps} done)` : `Running (${done} of ${steps} done)`;
    }
    case "pending":
      return "Queued: waiting to start";
    default:
      return assertNever(run.status);
  }
}

/** The step that failed the run: the current one when it failed, else the last failure. */
function failingStep(run: Run): StepRecord | undefined {
  return run.steps.findLast((s) => s.status === "failed" && s.stepId === run.currentStepId) ?? run.steps.findLast((s) => s.status === "failed");
}

function renderSummary(run: Run, options: RenderRunOptions): string {
  const runRef = markdownLink(run.id, options.runUrl) || codeSpan(run.id);
  const lines = [
    `**${escapeMarkdown(run.workflowName)}** version ${escapeMarkdown(run.workflowVersion)} from ${workflowOriginMarkdown(run)} · run ${runRef}`,
  ];
  const elapsed = run.startedAt && run.finishedAt ? `, took ${formatElapsed(millisBetween(run.startedAt, run.finishedAt))}` : "";
  if (run.startedAt) lines.push("", `Started ${escapeMarkdown(displayTime(run.startedAt))}${elapsed}.`);
  lines.push("");
  if (run.steps.length === 0) {
    lines.push("_No steps have run yet._");
  } else {
    lines.push("| Step | Type | Status | Duration | Links |", "|---|---|---|---|---|");
    for (const step of run.steps) lines.push(stepRow(step));
  }
  const failed = run.status === "failed" ? failingStep(run) : undefined;
  if (failed?.error) {
    const firstLine = failed.error.split(/\r?\n/, 1)[0] ?? "";
    lines.push("", `**Error** in step ${escapeMarkdown(failed.stepId)}: ${escapeMarkdown(clip(firstLine, 500))}`);
  }
  return lines.join("\n") + "\n";
}

function stepRow(step: StepRecord): string {
  const label = [escapeMarkdown(step.stepId), step.name ? ` — ${escapeMarkdown(step.name)}` : "", step.attempt > 1 ? ` (attempt ${step.attempt})` : ""].join("");
  const type = step.kind ? `${step.type}: ${escapeMarkdown(step.kind)}` : step.type;
  const duration = stepDuration(step);
  return `| ${label} | ${type} | ${MARKS[step.status]} ${step.status} | ${duration} | ${stepLinks(step) || "—"} |`;
}

/** From the record's own times; a step still running shows when it started (rendering never reads the clock). */
function stepDuration(step: StepRecord): string {
  if (step.startedAt && step.finishedAt) return formatElapsed(millisBetween(step.startedAt, step.finishedAt));
  if (step.startedAt && step.status === "running") return `since ${clockTime(step.startedAt).slice(0, 8)}`;
  return "—";
}

/** Links to what a step created, from its outputs: `url` (issue, task, comment) and `runUrl`. */
function stepLinks(step: StepRecord): string {
  const out = step.outputs ?? {};
  const number = [out.number, out.issueNumber].find((n): n is number => Number.isSafeInteger(n));
  const noun = step.kind === "createIssue" ? "issue" : step.kind === "assignTask" ? "task" : step.kind === "notify" ? "comment" : "link";
  const links = [
    markdownLink(number === undefined ? noun : `${noun} #${number}`, out.url),
    markdownLink("workflow run", out.runUrl),
    step.kind === "runScript" && Number.isSafeInteger(out.exitCode) ? `exit ${String(out.exitCode)}` : "",
    step.kind === "assignTask" && typeof out.dueAt === "string" ? `due ${out.dueAt.slice(0, 10)}` : "",
  ];
  return links.filter(Boolean).join(", ");
}

function renderText(run: Run): string {
  const errors = renderErrors(run);
  const lines = run.log.map(logLine);
  if (lines.length === 0) return truncate(`${errors}### Log\n\n_No log entries._\n`);
  const content = lines.join("\n");
  const fence = fenceFor(content);
  const head = `${errors}### Log\n\n${fence}text\n`;
  const tail = `\n${fence}\n`;
  const room = GITHUB_TEXT_LIMIT - head.length - tail.length - defaultMarker(content.length).length;
  const kept = cutAtLine(content, Math.max(0, room));
  // The marker goes after the closing fence, so it renders as prose and ends the text.
  const marker = kept.length < content.length ? `\n${defaultMarker(content.length - kept.length).trimStart()}` : "";
  return truncate(head + kept + tail + marker);
}

function renderErrors(run: Run): string {
  const failed = run.steps.filter((s) => s.status === "failed" && s.error);
  if (failed.length === 0) return "";
  const parts = ["### Errors", ""];
  for (const step of failed.slice(0, MAX_ERRORS_SHOWN)) {
    const error = truncate(stripControls(step.error ?? ""), MAX_ERROR_CHARS, (n) => `\n… ${n} more characters`);
    const fence = fenceFor(error);
    parts.push(`**${escapeMarkdown(step.stepId)}** (${escapeMarkdown(step.kind ?? step.type)}, attempt ${step.attempt}) failed:`, "", `${fence}text`, error, fence, "");
  }
  if (failed.length > MAX_ERRORS_SHOWN) parts.push(`… and ${failed.length - MAX_ERRORS_SHOWN} more failed steps.`, "");
  return parts.join("\n") + "\n";
}

/** One log entry on one line: `HH:MM:SS.mmm LEVEL message key=value …` (UTC). */
function logLine(entry: LogEntry): string {
  const meta = Object.entries(entry.meta ?? {})
    .map(([key, value]) => ` ${key}=${metaValue(value)}`)
    .join("");
  const line = `${clockTime(entry.ts)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}${meta}`;
  return clip(oneLine(line), MAX_LOG_LINE);
}

function metaValue(value: unknown): string {
  if (typeof value === "string" && /^[^\s"=]+$/.test(value)) return clip(value, MAX_META_VALUE);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // a cycle or a bigint: still show something
  }
  return clip(text, MAX_META_VALUE);
}

function clockTime(ts: string): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "--:--:--.---" : d.toISOString().slice(11, 23);
}

function displayTime(ts: string): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function millisBetween(from: string, to: string): number {
  return Date.parse(to) - Date.parse(from);
}

/** `350ms`, `1.2s`, `3m 4s`, `2h 5m`, `3d 4h`; `—` when unknown. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1_000) return `${Math.floor(ms)}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`; // floor: never "60.0s"
  const s = Math.floor(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h ${Math.floor((s % 3_600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3_600)}h`;
}

function assertNever(value: never): never {
  throw new Error(`unexpected run status ${String(value)}`);
}
