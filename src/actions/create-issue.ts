/**
 * The `createIssue` action: opens an issue in the event's repository or another of the same
 * owner, at most once per step, or per finding across runs of the workflow.
 */
import type { IssueRef, RepoRef } from "../domain/ports.js";
import { escapeTableCell as cell } from "../domain/text.js";
import { definitionFor } from "../triggers/registry.js";
import { marker } from "./markers.js";
import { once } from "./once.js";
import type { ActionContext, ImmediateAction } from "./types.js";

interface CreateIssueParameters {
  project?: string;
  title?: string;
  body?: string;
  labels?: string[];
  assignees?: string[];
}

/** A repository name as GitHub allows it; `.` and `..` would turn the API path into another one (createIssue and assignTask `project`). */
const REPOSITORY_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

export function repositoryName(project: string | undefined): string | undefined {
  if (project === undefined) return undefined;
  if (!REPOSITORY_NAME.test(project)) throw new Error(`project must be a repository name in the same owner (not . or ..), not ${JSON.stringify(project.slice(0, 100))}`);
  return project;
}

/**
 * `createIssue`: opens an issue in the event's repository or in `project` (same owner).
 * Idempotent: the same run step, and the same finding across runs of the workflow, never open
 * a second issue. The key is recorded in the store and, as a hidden marker, in the issue body.
 */
export const createIssue: ImmediateAction = async (ctx) => {
  const p = ctx.parameters as CreateIssueParameters;
  const target: RepoRef = { owner: ctx.repository.owner, repo: repositoryName(p.project) ?? ctx.repository.name };
  const trigger = definitionFor(ctx.trigger);
  // One issue per subject (a finding) per workflow step, whichever run gets there first.
  const subject = trigger?.subject?.(ctx.trigger);
  const key = subject !== undefined ? `createIssue:${target.owner}/${target.repo}:${ctx.run.workflowId}:${ctx.step.id}:${subject}` : `createIssue:${ctx.idempotencyKey}`;
  const mark = marker("issue", key);
  const title = (p.title ?? trigger?.texts?.issueTitle?.(ctx.trigger, ctx.workflow.name) ?? `${ctx.workflow.name}: run ${ctx.run.id}`).slice(0, 256);
  const body = `${p.body ?? defaultBody(ctx, trigger?.texts?.issueBody?.(ctx.trigger) ?? [])}\n\n${mark}`;

  const { result, created } = await once<IssueRef & Record<string, unknown>>(
    ctx,
    key,
    "createIssue",
    async (since) => ctx.github.findIssueByMarker(target, mark, since) as Promise<(IssueRef & Record<string, unknown>) | undefined>,
    async () => ({ ...(await ctx.github.createIssue(target, { title, body, labels: p.labels, assignees: p.assignees?.map(stripAt) })) }),
    subject !== undefined ? "shared" : "attempt",
  );
  ctx.log("info", created ? `opened issue #${result.number} in ${target.owner}/${target.repo}` : `issue #${result.number} in ${target.owner}/${target.repo} already exists for this ${subject !== undefined ? ctx.trigger.kind : "step"}`, {
    url: result.url,
  });
  return { number: result.number, url: result.url, created };
};

function stripAt(login: string): string {
  return login.replace(/^@/, "");
}

/** The first line names the workflow; the trigger type adds what its event is about. */
function defaultBody(ctx: ActionContext, about: string[]): string {
  return [`Opened by the governance workflow **${cell(ctx.workflow.name)}** (${ctx.workflow.version}) for ${ctx.repository.fullName}.`, "", ...about].join("\n");
}
