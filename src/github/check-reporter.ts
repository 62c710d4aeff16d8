/** The run reporter over check runs: creates a run's check run once, then updates it as the run progresses, waits for approval (with buttons) and finishes. */
import { once } from "../actions/once.js";
import type { RepositoryInfo } from "../domain/events.js";
import type { Clock, GitHubPort, RunReporter, Store } from "../domain/ports.js";
import { runUrl, type Run } from "../domain/run.js";
import { approvalButtons, cancelButton } from "./check-buttons.js";
import { renderRunCheck } from "./render-run.js";

/**
 * Shows each run as a check run named `governance / <workflow name>` on the pull request's head
 * commit (or the alert's commit), with `external_id` = run id: in progress while it runs, then
 * the conclusion, the step table and the log. Creating it is idempotent per run.
 */
export function checkRunReporter(github: GitHubPort, repository: RepositoryInfo, deps: { store: Store; clock: Clock }): RunReporter {
  const repo = { owner: repository.owner, repo: repository.name };
  return {
    async started(run, effects) {
      const headSha = run.headSha;
      if (!headSha) return undefined;
      const view = renderRunCheck(run);
      const { result } = await once(
        effects ? { ...deps, effects } : deps,
        `checkRun:${run.id}`,
        "checkRun",
        async () => github.findCheckRun(repo, headSha, view.name, run.id),
        async () =>
          github.createCheckRun(repo, {
            name: view.name,
            headSha,
            externalId: run.id,
            status: "in_progress",
            output: { title: view.title, summary: view.summary, text: view.text },
          }),
      );
      return result.id;
    },

    async progress(run) {
      if (!run.checkRunId) return;
      const view = renderRunCheck(run, { runUrl: runUrl(run, repository.url) });
      const approval = pendingApproval(run);
      const output = { title: view.title, summary: view.summary + approvalsSection(run), text: view.text };
      // A run waiting for people shows action_required with its buttons; GitHub lets a
      // completed check run go back to in_progress when the run resumes.
      await github.updateCheckRun(
        repo,
        run.checkRunId,
        approval ? { status: "completed", conclusion: "action_required", output, actions: approvalButtons() } : { status: "in_progress", output, actions: [cancelButton()] },
      );
    },

    async finished(run) {
      if (!run.checkRunId) return;
      const view = renderRunCheck(run, { runUrl: runUrl(run, repository.url) });
      await github.updateCheckRun(repo, run.checkRunId, {
        status: view.status,
        ...(view.conclusion ? { conclusion: view.conclusion } : {}),
        output: { title: view.title, summary: view.summary + approvalsSection(run), text: view.text },
        actions: [],
      });
    },
  };
}

function pendingApproval(run: Run) {
  return run.steps.find((s) => s.status === "waiting" && s.waiting?.kind === "approval");
}

/** Who approved or rejected what, and when: every vote of the run's approval steps. */
function approvalsSection(run: Run): string {
  const lines: string[] = [];
  for (const s of run.steps) {
    const votes = s.waiting?.kind === "approval" ? s.waiting.votes : ((s.outputs?.votes as Array<{ actor: string; decision: string; at: string; via: string }> | undefined) ?? []);
    for (const v of votes) lines.push(`| ${s.stepId} | ${v.decision === "approve" ? "✅ approved" : "❌ rejected"} | @${v.actor.replace(/[^A-Za-z0-9-]/g, "")} | ${v.at} | ${v.via} |`);
  }
  return lines.length ? `\n\n**Approvals**\n\n| Step | Decision | By | At | Via |\n|---|---|---|---|---|\n${lines.join("\n")}\n` : "";
}
