/** Where a run's workflow came from, as check-run Markdown: a repository file at its commit, or an org-wide workflow kept by the app. */
import type { Run } from "../domain/run.js";
import { parseOrgWidePath } from "../domain/stored-workflow.js";
import { codeSpan, escapeMarkdown } from "./markdown.js";

/** A repository file at its commit, or an org-wide workflow kept by the app (which has no file). */
export function workflowOriginMarkdown(run: Pick<Run, "workflowPath" | "workflowCommit">): string {
  const orgWide = parseOrgWidePath(run.workflowPath);
  if (orgWide) return `the org-wide workflow ${codeSpan(orgWide.id)} of ${escapeMarkdown(orgWide.owner)} (kept by the app, not in this repository)`;
  return `${codeSpan(run.workflowPath)} at ${codeSpan(run.workflowCommit.slice(0, 7))}`;
}
