import type { Finding } from "../domain/finding.js";
import type { IssueRef, RepoRef } from "../domain/ports.js";
import { marker } from "./markers.js";
import { once } from "./once.js";
import type { ActionContext, ActionHandler } from "./types.js";

interface CreateIssueParameters {
  project?: string;
  title?: string;
  body?: string;
  labels?: string[];
  assignees?: string[];
}

/** A repository name as GitHub allows it; `.` and `..` would turn the API path into another one. */
const REPOSITORY_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

function repositoryName(project: string | undefined): string | undefined {
  if (project === undefined) return undefined;
  if (!REPOSITORY_NAME.test(project)) throw new Error(`project must be a repository name in the same owner (not . or ..), not ${JSON.stringify(project.slice(0, 100))}`);
  return project;
}

/**
 * `createIssue`: opens an issue in the event's repository or in `project` (same owner).
 * Idempotent: the same run step, and the same finding across runs of the workflow, never open
 * a second issue. The key is recorded in the store and, as a hidden marker, in the issue body.
 */
export const createIssue: ActionHandler = async (ctx) => {
  const p = ctx.parameters as CreateIssueParameters;
  const target: RepoRef = { owner: ctx.repository.owner, repo: repositoryName(p.project) ?? ctx.repository.name };
  const finding = ctx.trigger.kind === "finding" ? ctx.trigger.finding : undefined;
  // One issue per finding per workflow step, whichever run gets there first.
  const key = finding
    ? `createIssue:${target.owner}/${target.repo}:${ctx.run.workflowId}:${ctx.step.id}:${finding.fingerprint}`
    : `createIssue:${ctx.idempotencyKey}`;
  const mark = marker("issue", key);
  const title = (p.title ?? defaultTitle(ctx, finding)).slice(0, 256);
  const body = `${p.body ?? defaultBody(ctx, finding)}\n\n${mark}`;

  const { result, created } = await once<IssueRef & Record<string, unknown>>(
    ctx,
    key,
    "createIssue",
    async (since) => ctx.github.findIssueByMarker(target, mark, since) as Promise<(IssueRef & Record<string, unknown>) | undefined>,
    async () => ({ ...(await ctx.github.createIssue(target, { title, body, labels: p.labels, assignees: p.assignees?.map(stripAt) })) }),
    finding ? "shared" : "attempt",
  );
  ctx.log("info", created ? `opened issue #${result.number} in ${target.owner}/${target.repo}` : `issue #${result.number} in ${target.owner}/${target.repo} already exists for this ${finding ? "finding" : "step"}`, {
    url: result.url,
  });
  return { number: result.number, url: result.url, created };
};

function stripAt(login: string): string {
  return login.replace(/^@/, "");
}

function defaultTitle(ctx: ActionContext, finding: Finding | undefined): string {
  if (finding) return `[${finding.severity}] ${finding.title}`;
  if (ctx.trigger.kind === "pullRequest") return `Follow up on #${ctx.trigger.pullRequest.number}: ${ctx.trigger.pullRequest.title}`;
  return `${ctx.workflow.name}: run ${ctx.run.id}`;
}

function defaultBody(ctx: ActionContext, finding: Finding | undefined): string {
  const lines = [`Opened by the governance workflow **${escape(ctx.workflow.name)}** (${ctx.workflow.version}) for ${ctx.repository.fullName}.`, ""];
  if (finding) {
    lines.push(
      "| | |",
      "|---|---|",
      `| Severity | ${finding.severity} |`,
      `| Source | ${finding.source} (${escape(finding.tool)}) |`,
      `| Rule | ${escape(finding.rule)} |`,
    );
    if (finding.package) lines.push(`| Package | ${escape(finding.package)} |`);
    if (finding.path) lines.push(`| Location | ${escape(finding.path)}${finding.startLine ? `:${finding.startLine}` : ""} |`);
    if (finding.url) lines.push(`| Alert | ${finding.url} |`);
  } else if (ctx.trigger.kind === "pullRequest") {
    lines.push(`Pull request: ${ctx.trigger.pullRequest.url}`);
  }
  return lines.join("\n");
}

function escape(text: string): string {
  return text.replace(/[|<>\n\r]/g, (c) => (c === "|" ? "\\|" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : " "));
}
