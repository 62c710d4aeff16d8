/**
 * `runRemediation`: dispatches a GitHub Actions workflow (workflow_dispatch) of the event's
 * repository or of `repository` in the same owner, always on that repository's default branch,
 * with `inputs` checked against the workflow's declared inputs when its file can be read; then
 * waits, durably, for that run to complete. GitHub.com names the run it started; where it does
 * not (GitHub Enterprise Server), or the app stopped before it recorded the answer, the run is
 * recognised by its first workflow_run event (see engine/signals.ts).
 */
import type { DispatchInput, DispatchResult, RepoRef } from "../domain/ports.js";
import { parseDuration } from "../workflows/durations.js";
import { once } from "./once.js";
import { ActionError, ActionWaits, type ActionContext, type ActionHandler } from "./types.js";

interface RunRemediationParameters {
  workflow: string;
  repository?: string;
  inputs?: Record<string, string | number | boolean>;
  timeout?: string;
}

/** How long a dispatched run is waited for when the step sets no timeout: nothing waits forever. */
export const DEFAULT_REMEDIATION_TIMEOUT = "24h";

/** A dispatch that may have been made by an interrupted attempt: its run is recognised when it reports, never dispatched again. */
type Dispatched = DispatchResult & { interrupted?: boolean };

export const runRemediation: ActionHandler = async (ctx) => {
  const p = ctx.parameters as unknown as RunRemediationParameters;
  const target: RepoRef = { owner: ctx.repository.owner, repo: p.repository ?? ctx.repository.name };
  const fullName = `${target.owner}/${target.repo}`;
  // Never a ref a pull request chose: the workflow that runs with the app's dispatch is the default branch's.
  const ref = p.repository === undefined || p.repository === ctx.repository.name ? ctx.repository.defaultBranch : await ctx.github.getDefaultBranch(target);
  const inputs = Object.fromEntries(Object.entries(p.inputs ?? {}).map(([k, v]) => [k, String(v)]));
  checkInputs(inputs, await ctx.github.readDispatchInputs(target, p.workflow, ref), p.workflow);

  const key = `runRemediation:${ctx.idempotencyKey}`;
  const since = ctx.clock.now().toISOString();
  const { result, created } = await once<Dispatched & Record<string, unknown>>(
    ctx,
    key,
    "runRemediation",
    // A workflow run carries no marker of ours: an attempt that was cut off after claiming may
    // have dispatched it, so it is never dispatched again; its run is recognised when it reports.
    async (claimedSince) => ({ interrupted: true, since: claimedSince.toISOString() }),
    async () => ({ ...(await dispatch(ctx, target, p.workflow, ref, inputs)) }),
    "attempt",
  );
  const timeoutAt = new Date(ctx.clock.now().getTime() + parseDuration(p.timeout ?? DEFAULT_REMEDIATION_TIMEOUT)!).toISOString();
  const workflowPath = `.github/workflows/${p.workflow}`;
  const outputs: Record<string, unknown> = { workflow: p.workflow, repository: fullName, ref };
  if (result.runId !== undefined) {
    outputs.runId = result.runId;
    outputs.runUrl = result.runUrl ?? `https://github.com/${fullName}/actions/runs/${result.runId}`;
    ctx.log("info", `${created ? "dispatched" : "already dispatched"} ${p.workflow} in ${fullName} on ${ref}: run ${result.runId}`, { url: outputs.runUrl });
    return new ActionWaits(outputs, { kind: "event", event: "workflowRunCompleted", target: runTarget(fullName, result.runId), repository: fullName, timeoutAt }, `waiting for run ${result.runId} of ${p.workflow} to complete`);
  }
  const from = typeof result.since === "string" ? result.since : since;
  // The app's own login, from the run's check run (made by this app): only its runs can be the one.
  const slug = ctx.run.checkRunId === undefined ? undefined : await ctx.github.checkRunAppSlug({ owner: ctx.repository.owner, repo: ctx.repository.name }, ctx.run.checkRunId).catch(() => undefined);
  const actor = slug ? `${slug}[bot]` : undefined;
  ctx.log(
    "info",
    result.interrupted
      ? `an interrupted attempt may have dispatched ${p.workflow} in ${fullName} already; not dispatching again: its run is recognised when it reports`
      : `dispatched ${p.workflow} in ${fullName} on ${ref}; GitHub did not say which run it started: the first run of ${workflowPath} for workflow_dispatch by ${actor ?? "a bot (this app's login is not known)"} created from ${from} is taken to be it`,
  );
  return new ActionWaits(
    outputs,
    { kind: "event", event: "workflowRunCompleted", target: dispatchTarget(fullName, workflowPath), repository: fullName, timeoutAt, dispatch: { workflowPath, since: from, ...(actor ? { actor } : {}) } },
    `waiting for the run of ${p.workflow} to start and complete`,
  );
};

/** The wait index target of a known run. */
export function runTarget(repository: string, runId: number): string {
  return `run:${repository}:${runId}`;
}

/** The wait index target of a dispatch whose run is not known yet. */
export function dispatchTarget(repository: string, workflowPath: string): string {
  return `dispatch:${repository}:${workflowPath}`;
}

async function dispatch(ctx: ActionContext, target: RepoRef, workflow: string, ref: string, inputs: Record<string, string>): Promise<DispatchResult> {
  try {
    return await ctx.github.dispatchWorkflow(target, workflow, ref, inputs);
  } catch (err) {
    const status = (err as { status?: number }).status;
    // The workflow is missing or does not take these inputs: trying again would not help.
    if (status === 404 || status === 422) {
      throw new ActionError(`GitHub refused to dispatch ${workflow} in ${target.owner}/${target.repo} (HTTP ${status}): ${githubMessage(err)}`, false, { cause: err });
    }
    throw err;
  }
}

/** GitHub's own message, without the documentation link Octokit appends. */
function githubMessage(err: unknown): string {
  const data = (err as { response?: { data?: { message?: unknown } } }).response?.data;
  const message = typeof data?.message === "string" ? data.message : err instanceof Error ? err.message : String(err);
  return message.replace(/\s*-\s*https:\/\/docs\.github\.com\S*$/, "").slice(0, 500);
}

/** Refuses inputs the workflow does not declare, a required input without a value or default, and a choice outside its options. */
function checkInputs(inputs: Record<string, string>, declared: Record<string, DispatchInput> | undefined, workflow: string): void {
  if (!declared) return;
  const problems: string[] = [];
  for (const name of Object.keys(inputs)) if (!Object.hasOwn(declared, name)) problems.push(`${name} is not an input of ${workflow} (it declares ${Object.keys(declared).join(", ") || "none"})`);
  for (const [name, spec] of Object.entries(declared)) {
    const value = inputs[name];
    if (value === undefined) {
      if (spec.required && spec.default === undefined) problems.push(`${name} is required by ${workflow}`);
      continue;
    }
    if (spec.type === "boolean" && value !== "true" && value !== "false") problems.push(`${name} must be true or false, not ${JSON.stringify(value.slice(0, 100))}`);
    if (spec.type === "number" && !Number.isFinite(Number(value))) problems.push(`${name} must be a number, not ${JSON.stringify(value.slice(0, 100))}`);
    if (spec.type === "choice" && spec.options && !spec.options.includes(value)) problems.push(`${name} must be one of ${spec.options.join(", ")}, not ${JSON.stringify(value.slice(0, 100))}`);
  }
  if (problems.length > 0) throw new ActionError(`the inputs do not fit ${workflow}: ${problems.join("; ")}`, false);
}
