/**
 * The validation of notify steps: a step has somewhere to send to, and a step that comments has
 * something to comment on in every run that can reach it (its trigger types' pull request or
 * issue, or an issue opened before it on every path).
 */
import type { DocPath } from "../domain/paths.js";
import type { ActionStep, Step, Workflow } from "../domain/workflow.js";
import { triggerType } from "../triggers/registry.js";
import type { Report } from "./diagnostic-cap.js";
import { dominators } from "./graph.js";
import { notifyComments, notifyHasChannel } from "./notify-rules.js";

/** Checks the notify step at `index`. */
export function checkNotifyStep(step: ActionStep, index: number, workflow: Workflow, report: Report): void {
  const base: DocPath = ["steps", index, "action", "parameters"];
  const p = step.action.parameters ?? {};
  if (!notifyHasChannel(p) && !notifyComments(p)) {
    report(base, "notify needs somewhere to send to: channel, channels, comment or mention");
  } else if (notifyComments(p)) {
    checkCommentTarget(workflow, index, [...base, p.comment !== undefined ? "comment" : "mention"], report);
  }
}

/** Triggers whose runs never have a pull request or issue to comment on. */
function noCommentTarget(type: string): boolean {
  return triggerType(type)?.mayHaveDiscussion === false;
}

/**
 * A notify step that comments needs something to comment on: the event's pull request or
 * issue (onPR; a manual run started by a comment), or an issue a createIssue or assignTask
 * step opened before it on every path. With neither for any trigger it can never work: an error. When
 * only some triggers lack one: a warning naming them.
 */
function checkCommentTarget(workflow: Workflow, index: number, path: DocPath, report: Report): void {
  const opensIssueFirst = [...dominatorsOf(workflow.steps)[index]!].some((d) => d !== index && opensIssue(workflow.steps[d]!));
  if (opensIssueFirst) return;
  const lacking = [...new Set(workflow.triggers.map((t) => t.type).filter((t) => noCommentTarget(t)))];
  if (lacking.length === 0) return;
  const what = "this step comments (comment is set, or it mentions people without a channel)";
  const fix = "send it to a channel, or open an issue with a createIssue step before it";
  if (workflow.triggers.every((t) => noCommentTarget(t.type))) {
    report(path, `${what}, but it has nothing to comment on: a run started by ${lacking.join(" or ")} has no pull request or issue, and no createIssue or assignTask step runs before this one on every path; ${fix}`);
  } else {
    report(path, `${what}; a run started by ${lacking.join(" or ")} has no pull request or issue to comment on, and this step then fails; ${fix}`, "warning");
  }
}

/** The dominators of a workflow's steps, worked out once however many steps ask (up to 200 notify steps could). */
const dominatorCache = new WeakMap<readonly Step[], Set<number>[]>();

function dominatorsOf(steps: readonly Step[]): Set<number>[] {
  let dom = dominatorCache.get(steps);
  if (!dom) dominatorCache.set(steps, (dom = dominators(steps)));
  return dom;
}

/** Steps that open an issue a later notify can comment on. */
function opensIssue(step: Step): boolean {
  return step.type === "action" && (step.action.kind === "createIssue" || step.action.kind === "assignTask");
}
