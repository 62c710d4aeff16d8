/**
 * `assignTask`: a RemediationTask, stored once per finding fingerprint (else per step
 * execution) and mirrored as a GitHub issue in the event's repository or in `project`, assigned
 * to users, teams' members or the finding path's CODEOWNERS. A later finding for a task that
 * exists is added to its related findings and to its issue's body, which is edited, never
 * posted again. Its status then follows the issue and the alert (engine/task-signals.ts).
 */
import { v7 as uuidv7 } from "uuid";
import type { Finding } from "../domain/finding.js";
import type { IssueRef, RepoRef } from "../domain/ports.js";
import { relatedFinding, type RemediationTask } from "../domain/task.js";
import { escapeTableCell as cell } from "../domain/text.js";
import { definitionFor } from "../triggers/registry.js";
import { parseDuration } from "../workflows/durations.js";
import { resolveAssignees } from "./assignees.js";
import { repositoryName } from "./create-issue.js";
import { marker } from "./markers.js";
import { once } from "./once.js";
import type { ActionContext, ImmediateAction } from "./types.js";

/** GitHub's limit on an issue body, less room for the last lines. */
const MAX_BODY = 65_000;

interface AssignTaskParameters {
  project?: string;
  title?: string;
  description?: string;
  assignees?: string[];
  labels?: string[];
  due?: string;
}

export const assignTask: ImmediateAction = async (ctx) => {
  const p = ctx.parameters as AssignTaskParameters;
  const target: RepoRef = { owner: ctx.repository.owner, repo: repositoryName(p.project) ?? ctx.repository.name };
  const finding = ctx.trigger.kind === "finding" ? ctx.trigger.finding : undefined;
  const now = ctx.clock.now();
  const texts = definitionFor(ctx.trigger)?.texts;
  const { task: stored, created } = await ctx.store.createTask({
    id: uuidv7(),
    title: (p.title ?? texts?.issueTitle?.(ctx.trigger, ctx.workflow.name) ?? `${ctx.workflow.name}: task from run ${ctx.run.id}`).slice(0, 256),
    description: p.description ?? [`Assigned by the governance workflow **${cell(ctx.workflow.name)}** (${ctx.workflow.version}) for ${ctx.repository.fullName}.`, "", ...(texts?.issueBody?.(ctx.trigger) ?? [])].join("\n"),
    assignedTo: [],
    status: "open",
    relatedFindings: finding ? [relatedFinding(finding, now)] : [],
    repository: `${target.owner}/${target.repo}`,
    createdAt: now.toISOString(),
    ...dueAt(p.due, finding, ctx, now),
    ...(finding ? { fingerprint: finding.fingerprint } : {}),
    key: finding ? `assignTask:${finding.fingerprint}` : `assignTask:${ctx.idempotencyKey}`,
    installationId: ctx.run.installationId,
    workflowId: ctx.run.workflowId,
    runId: ctx.run.id,
    stepId: ctx.step.id,
  });
  let task = stored;
  if (!created) ctx.log("info", `task ${task.id} exists already for this ${finding ? "finding" : "step"}`);
  if (!created && finding) task = await addFinding(ctx, task, finding);
  if (task.issueNumber === undefined) task = await openIssue(ctx, task, target, p, finding);
  return { taskId: task.id, issueNumber: task.issueNumber, url: task.issueUrl, dueAt: task.dueAt ?? null, status: task.status, created };
};

/** The step's `due`, else the operator's default for the finding's severity, else none. */
function dueAt(due: string | undefined, finding: Finding | undefined, ctx: ActionContext, now: Date): { dueAt?: string } {
  const ms = due !== undefined ? parseDuration(due) : finding ? ctx.taskDueMs?.[finding.severity] : undefined;
  return ms === undefined ? {} : { dueAt: new Date(now.getTime() + ms).toISOString() };
}

/** The issue that mirrors a new task: assigned to whom GitHub can assign; the others are named in it. */
async function openIssue(ctx: ActionContext, task: RemediationTask, target: RepoRef, p: AssignTaskParameters, finding: Finding | undefined): Promise<RemediationTask> {
  const home = { owner: ctx.repository.owner, repo: ctx.repository.name };
  const { logins, notes } = await resolveAssignees(p.assignees ?? [], { github: ctx.github, repository: home, defaultBranch: ctx.repository.defaultBranch, ...(finding?.path ? { findingPath: finding.path } : {}) });
  const { assignable, not } = logins.length > 0 ? await ctx.github.filterAssignable(target, logins) : { assignable: [], not: [] };
  for (const note of notes) ctx.log("warn", `assignees: ${note}`);
  if (not.length > 0) ctx.log("warn", `GitHub cannot assign ${not.join(", ")} in ${target.owner}/${target.repo} (not collaborators); they are named in the issue`);
  const unassigned = not.length > 0 ? `\n\nTo do, but not assignable here: ${not.map((l) => `@${l}`).join(", ")}.` : "";
  const description = `${task.description}${unassigned}`.slice(0, 60_000);
  const key = `assignTask:issue:${task.id}`;
  const mark = marker("issue", key);
  const { result } = await once<IssueRef & Record<string, unknown>>(
    ctx,
    key,
    "createIssue",
    async (since) => ctx.github.findIssueByMarker(target, mark, since) as Promise<(IssueRef & Record<string, unknown>) | undefined>,
    async () => ({ ...(await ctx.github.createIssue(target, { title: task.title, body: taskBody({ ...task, description }, mark), labels: p.labels, assignees: assignable })) }),
    "shared",
  );
  ctx.log("info", `task ${task.id} is issue #${result.number} in ${target.owner}/${target.repo}${assignable.length ? `, assigned to ${assignable.join(", ")}` : ""}`, { url: result.url });
  const patch = { issueNumber: result.number, issueUrl: result.url, assignedTo: assignable, description };
  for (let tries = 0; tries < 3; tries++) {
    const updated = await ctx.store.updateTask(task.id, task.version, patch);
    if (updated.updated) return updated.task;
    if (!updated.task) break;
    task = updated.task;
    if (task.issueNumber !== undefined) return task;
  }
  throw new Error(`task ${task.id}: could not record its issue #${result.number}`);
}

/** A later finding for an existing task: listed once in the task and in its issue's body. */
async function addFinding(ctx: ActionContext, task: RemediationTask, finding: Finding): Promise<RemediationTask> {
  const added = await ctx.store.addRelatedFinding(task.id, relatedFinding(finding, ctx.clock.now()));
  if (!added || added.outcome !== "added") return added?.task ?? task;
  const updated = added.task;
  if (updated.issueNumber !== undefined) {
    const [owner, repo] = updated.repository.split("/") as [string, string];
    await ctx.github.updateIssue({ owner, repo }, updated.issueNumber, { body: taskBody(updated, marker("issue", `assignTask:issue:${updated.id}`)) });
    ctx.log("info", `added ${finding.fingerprint} to task ${updated.id} and to issue #${updated.issueNumber}`);
  }
  return updated;
}

/** The issue body: the description, the due date, the related findings, and the marker that finds the issue again. */
export function taskBody(task: Pick<RemediationTask, "description" | "dueAt" | "relatedFindings">, mark: string): string {
  const lines = [task.description];
  if (task.dueAt) lines.push("", `Due: ${task.dueAt.slice(0, 10)}`);
  if (task.relatedFindings.length > 0) {
    lines.push("", "| Finding | Severity | Source |", "|---|---|---|");
    // GitHub's body limit is 65,536 characters: the rows that do not fit are counted instead.
    let size = lines.join("\n").length + mark.length + 100;
    for (const [i, f] of task.relatedFindings.entries()) {
      const row = `| ${f.url ? `[${cell(f.title)}](${f.url})` : cell(f.title)} | ${f.severity} | ${f.source} |`;
      if (size + row.length + 1 > MAX_BODY) {
        lines.push("", `… and ${task.relatedFindings.length - i} more findings`);
        break;
      }
      size += row.length + 1;
      lines.push(row);
    }
  }
  return `${lines.join("\n")}\n\n${mark}`;
}
