/**
 * The `onPR` trigger type: runs on pull request events, filtered by action, base branch, labels,
 * drafts and changed paths. Its runs see `pullRequest.*`, comment on the pull request, and put
 * their check run on its head commit.
 */
import type { EventOf } from "../domain/events.js";
import type { OnPRConfig } from "../domain/workflow.js";
import { anyGlobMatch } from "./glob.js";
import type { Decision, TriggerDefinition, TriggerIO } from "./types.js";

/** The pull request actions an onPR trigger listens to when it lists none. */
export const DEFAULT_PR_ACTIONS: readonly string[] = ["opened", "synchronize", "reopened", "ready_for_review"];

type PullRequestEvent = EventOf<"pullRequest">;

export const onPR: TriggerDefinition<"onPR", "pullRequest"> = {
  type: "onPR",
  event: "pullRequest",
  // Filters that cost nothing first; the changed files cost a request, asked once per event.
  async match(config = {}, event, io) {
    const pr = event.pullRequest;
    const actions = nonEmpty(config.actions) ?? DEFAULT_PR_ACTIONS;
    if (!actions.includes(event.action)) return no(`action ${event.action} is not one of ${actions.join(", ")}`);
    if (pr.draft && config.drafts !== true) return no("the pull request is a draft and drafts is not true");
    const branches = nonEmpty(config.branches);
    if (branches && !anyGlobMatch(branches, pr.baseRef)) return no(`base branch ${pr.baseRef} matches none of ${branches.join(", ")}`);
    const labels = nonEmpty(config.labels);
    if (labels && !labels.some((l) => pr.labels.includes(l))) return no(`the pull request has none of the labels ${labels.join(", ")}`);
    const paths = nonEmpty(config.paths);
    return paths ? judgePaths(paths, event, io) : { ok: true };
  },
  variables: ["pullRequest"],
  context: (event) => ({ pullRequest: event.pullRequest }),
  commit: (event) => event.pullRequest.headSha,
  discussion: (event) => ({ number: event.pullRequest.number, author: event.pullRequest.author }),
  mayHaveDiscussion: true,
  describe: (event) => ({ kind: "pullRequest", action: event.action, number: event.pullRequest.number }),
  texts: {
    issueTitle: (event) => `Follow up on #${event.pullRequest.number}: ${event.pullRequest.title}`,
    issueBody: (event) => [`Pull request: ${event.pullRequest.url}`],
    message: (event, workflow) => `${workflow}: pull request #${event.pullRequest.number} ${event.pullRequest.title} ${event.pullRequest.url}`,
  },
};

/** Whether the trigger filters on changed paths, which needs the pull request's files. */
export function filtersPaths(config: OnPRConfig | undefined): boolean {
  return nonEmpty(config?.paths) !== undefined;
}

async function judgePaths(paths: readonly string[], event: PullRequestEvent, io: TriggerIO): Promise<Decision> {
  const github = io.github;
  if (!github) return no("the paths filter needs the changed files, which are not available");
  const repo = { owner: io.repository.owner, repo: io.repository.name };
  const changed = await io.memo("changedFiles", () => github.listPullRequestFiles(repo, event.pullRequest.number));
  if (changed.some((file) => anyGlobMatch(paths, file))) return { ok: true };
  return no(`none of the ${changed.length} changed files matches ${paths.join(", ")}`);
}

function no(reason: string): Decision {
  return { ok: false, reason };
}

/**
 * An empty list is read as "no filter", like an absent one: `labels: []` meaning "never" would
 * make a workflow that silently never runs.
 */
export function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}
