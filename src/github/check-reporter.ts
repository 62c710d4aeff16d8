import { once } from "../actions/once.js";
import type { RepositoryInfo } from "../domain/events.js";
import type { Clock, GitHubPort, RunReporter, Store } from "../domain/ports.js";
import { renderRunCheck } from "./render-run.js";

/**
 * Shows each run as a check run named `governance / <workflow name>` on the pull request's head
 * commit (or the alert's commit), with `external_id` = run id: in progress while it runs, then
 * the conclusion, the step table and the log. Creating it is idempotent per run.
 */
export function checkRunReporter(github: GitHubPort, repository: RepositoryInfo, deps: { store: Store; clock: Clock }): RunReporter {
  const repo = { owner: repository.owner, repo: repository.name };
  return {
    async started(run) {
      const headSha = run.headSha;
      if (!headSha) return undefined;
      const view = renderRunCheck(run);
      const { result } = await once(
        deps,
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

    async finished(run) {
      if (!run.checkRunId) return;
      const view = renderRunCheck(run, { runUrl: `${repository.url}/runs/${run.checkRunId}` });
      await github.updateCheckRun(repo, run.checkRunId, {
        status: view.status,
        ...(view.conclusion ? { conclusion: view.conclusion } : {}),
        output: { title: view.title, summary: view.summary, text: view.text },
      });
    },
  };
}
