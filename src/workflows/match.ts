/**
 * Does an event start a workflow? Pure except for `changedFiles`, which costs a GitHub request
 * and is therefore asked for only when a trigger's `paths` filter is all that is left to decide.
 * Finding events are taken to be "a finding appeared": the handler builds them only for the
 * actions in OPENING_ACTIONS (findings.ts), so no action filter is applied to them here.
 */
import type { TriggerEvent } from "../domain/events.js";
import type { Finding } from "../domain/finding.js";
import type { OnPRConfig, OnScanResultConfig, Trigger, Workflow } from "../domain/workflow.js";
import { FINDING_SOURCES } from "../domain/workflow.js";
import { anyGlobMatch } from "./glob.js";
import { atLeast, effectiveSeverity } from "../events/severity.js";

/** Which trigger started the workflow, or in one sentence why none did. */
export type MatchResult = { matched: true; triggerIndex: number } | { matched: false; reason: string };

/** What matching may need from outside. */
export interface MatchOptions {
  /** The pull request's changed file paths; called at most once, and only when a `paths` filter needs them. */
  changedFiles?: () => Promise<string[]>;
}

/** The pull request actions an onPR trigger listens to when it lists none. */
export const DEFAULT_PR_ACTIONS: readonly string[] = ["opened", "synchronize", "reopened", "ready_for_review"];

type Decision = { ok: true } | { ok: false; reason: string };
/** A trigger's answer before the changed files are known: "paths" means everything else matched. */
type Verdict = Decision | { ok: "paths"; paths: readonly string[] };

/** Matches an event against a workflow's triggers in order; the first trigger that matches wins. */
export async function matchWorkflow(workflow: Workflow, event: TriggerEvent, options: MatchOptions = {}): Promise<MatchResult> {
  if (event.kind === "rerun") return { matched: false, reason: "re-runs are started by the engine, not by triggers" };
  const wanted = event.kind === "pullRequest" ? "onPR" : "onScanResult";
  // Several triggers with `paths` share one request.
  let files: Promise<string[]> | undefined;
  const { changedFiles } = options;
  const changedOnce = changedFiles && (() => (files ??= changedFiles()));
  const misses: Array<{ index: number; reason: string }> = [];
  for (const [index, trigger] of workflow.triggers.entries()) {
    if (trigger.type !== wanted) continue;
    const verdict = judge(trigger, event);
    const decided: Decision = verdict.ok === "paths" ? await judgePaths(verdict.paths, changedOnce) : verdict;
    if (decided.ok) return { matched: true, triggerIndex: index };
    misses.push({ index, reason: decided.reason });
  }
  const [only, ...more] = misses;
  if (!only) return { matched: false, reason: `the workflow has no ${wanted} trigger` };
  // One candidate needs no index; several do, so the reader knows which said what.
  if (more.length === 0) return { matched: false, reason: only.reason };
  return { matched: false, reason: misses.map((m) => `triggers[${m.index}]: ${m.reason}`).join("; ") };
}

/** Whether matching this workflow may need a pull request's changed files (an onPR trigger filters on `paths`). */
export function needsChangedFiles(workflow: Workflow): boolean {
  return workflow.triggers.some((t) => t.type === "onPR" && nonEmpty(t.config?.paths) !== undefined);
}

function judge(trigger: Trigger, event: Exclude<TriggerEvent, { kind: "rerun" }>): Verdict {
  if (trigger.type === "onPR" && event.kind === "pullRequest") return judgePullRequest(trigger.config ?? {}, event);
  if (trigger.type === "onScanResult" && event.kind === "finding") return judgeFinding(trigger.config ?? {}, event.finding);
  return { ok: false, reason: `a ${trigger.type} trigger does not match ${event.kind} events` };
}

function judgePullRequest(config: OnPRConfig, event: Extract<TriggerEvent, { kind: "pullRequest" }>): Verdict {
  const pr = event.pullRequest;
  const actions = nonEmpty(config.actions) ?? DEFAULT_PR_ACTIONS;
  if (!actions.includes(event.action)) return no(`action ${event.action} is not one of ${actions.join(", ")}`);
  if (pr.draft && config.drafts !== true) return no("the pull request is a draft and drafts is not true");
  const branches = nonEmpty(config.branches);
  if (branches && !anyGlobMatch(branches, pr.baseRef)) return no(`base branch ${pr.baseRef} matches none of ${branches.join(", ")}`);
  const labels = nonEmpty(config.labels);
  if (labels && !labels.some((l) => pr.labels.includes(l))) {
    return no(`the pull request has none of the labels ${labels.join(", ")}`);
  }
  const paths = nonEmpty(config.paths);
  return paths ? { ok: "paths", paths } : { ok: true };
}

async function judgePaths(paths: readonly string[], changedFiles: (() => Promise<string[]>) | undefined): Promise<Decision> {
  if (!changedFiles) return { ok: false, reason: "the paths filter needs the changed files, which are not available" };
  const changed = await changedFiles();
  if (changed.some((file) => anyGlobMatch(paths, file))) return { ok: true };
  return { ok: false, reason: `none of the ${changed.length} changed files matches ${paths.join(", ")}` };
}

function judgeFinding(config: OnScanResultConfig, finding: Finding): Verdict {
  const sources = nonEmpty(config.sources) ?? FINDING_SOURCES;
  if (!sources.includes(finding.source)) return no(`source ${finding.source} is not one of ${sources.join(", ")}`);
  if (finding.source === "checkRun") {
    // Any app's failing check would otherwise start the workflow, our own check runs included.
    const names = nonEmpty(config.checkNames);
    if (!names) return no("check run findings need checkNames, and none are listed");
    if (!names.includes(finding.tool)) return no(`check ${finding.tool} is not one of the checkNames ${names.join(", ")}`);
  }
  const severity = effectiveSeverity(finding, config);
  const min = config.minSeverity ?? "low";
  if (!atLeast(severity, min)) return no(`severity ${severity} is below minSeverity ${min}`);
  return { ok: true };
}

function no(reason: string): Decision {
  return { ok: false, reason };
}

/**
 * An empty list is read as "no filter", like an absent one: `labels: []` meaning "never" would
 * make a workflow that silently never runs.
 */
function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}
