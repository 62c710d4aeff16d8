/** Posts the `governance / validate` check run for a pull request's `.governance/` files, its annotations spread over GitHub's 50-per-request batches. */
import type { Delivery } from "../domain/events.js";
import type { GitHubPort } from "../domain/ports.js";
import type { WorkflowFile } from "../workflows/index.js";
import { renderValidationCheck } from "./render-validation.js";

/**
 * Posts `governance / validate` on a pull request's head commit: one annotation per problem at
 * its file, line and column. GitHub takes 50 annotations per request; the rest follow in updates.
 * There are at most `LIMITS.maxAnnotations` (150): one create and at most two updates, however
 * many problems the files have; the summary says when more exist than are annotated.
 */
export async function reportValidation(github: GitHubPort, delivery: Delivery, headSha: string, files: WorkflowFile[]): Promise<void> {
  const repo = { owner: delivery.repository.owner, repo: delivery.repository.name };
  const view = renderValidationCheck(files);
  const [first = [], ...rest] = view.annotationBatches;
  const { id } = await github.createCheckRun(repo, {
    name: view.name,
    headSha,
    externalId: `validate:${delivery.id}`,
    status: "completed",
    conclusion: view.conclusion,
    output: { title: view.title, summary: view.summary, annotations: first },
  });
  for (const batch of rest) {
    await github.updateCheckRun(repo, id, { output: { title: view.title, summary: view.summary, annotations: batch } });
  }
}
