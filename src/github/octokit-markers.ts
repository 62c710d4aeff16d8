/**
 * The GitHub port's searches for what a step or a run may have made before the app stopped: an
 * issue or a comment by its hidden marker (every one since the effect's claim), a run's check run
 * by its external id (every one of its name on the commit), a page at a time, bounded: stopping
 * at the first page would take one made for none, and make it twice. octokit-port.ts spreads
 * them into the port.
 */
import type { ProbotOctokit } from "probot";
import type { GitHubPort } from "../domain/ports.js";

type MarkerSearches = Pick<GitHubPort, "findIssueByMarker" | "findCommentByMarker" | "findCheckRun">;

export function octokitMarkerSearches(octokit: ProbotOctokit): MarkerSearches {
  return {
    async findIssueByMarker(repo, marker, since) {
      // Every issue since the claim, a page at a time (a busy repository has more than a page of
      // them): stopping at the first page would take an issue made for a marker for none, and make
      // it again.
      const pages = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
        owner: repo.owner,
        repo: repo.repo,
        state: "all",
        since: since.toISOString(),
        sort: "created",
        direction: "desc",
        per_page: 100,
      });
      let read = 0;
      for await (const { data } of pages) {
        const found = data.find((i) => !i.pull_request && (i.body ?? "").includes(marker));
        if (found) return { number: found.number, url: found.html_url };
        if (++read >= MARKER_SEARCH_PAGES) throw markerSearchTooLong("issues", repo, since);
      }
      return undefined;
    },

    async findCommentByMarker(repo, issueNumber, marker, since) {
      const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, since: since.toISOString(), per_page: 100 });
      let read = 0;
      for await (const { data } of pages) {
        const found = data.find((c) => (c.body ?? "").includes(marker));
        if (found) return { id: found.id, url: found.html_url };
        if (++read >= MARKER_SEARCH_PAGES) throw markerSearchTooLong("comments", repo, since);
      }
      return undefined;
    },
    async findCheckRun(repo, headSha, name, externalId) {
      // A commit with many runs of one workflow (alerts on the default branch) has many pages.
      const pages = octokit.paginate.iterator(octokit.rest.checks.listForRef, { owner: repo.owner, repo: repo.repo, ref: headSha, check_name: name, filter: "all", per_page: 100 });
      let read = 0;
      for await (const { data } of pages) {
        const found = data.find((c) => c.external_id === externalId);
        if (found) return { id: found.id, url: found.html_url ?? "" };
        if (++read >= MARKER_SEARCH_PAGES) throw markerSearchTooLong("check runs", repo, undefined);
      }
      return undefined;
    },
  };
}

/**
 * How many pages (of 100) a search for an effect's marker reads at most. The search starts at the
 * effect's claim, so this many issues or comments made since then is unheard of; past it the step
 * fails (and is retried) rather than guess that nothing was made and make it twice.
 */
export const MARKER_SEARCH_PAGES = 50;

function markerSearchTooLong(what: "issues" | "comments" | "check runs", repo: { owner: string; repo: string }, since: Date | undefined): Error {
  const one = { issues: "this step made its issue", comments: "this step made its comment", "check runs": "this run has its check run" }[what];
  return new Error(`cannot tell whether ${one} already: ${repo.owner}/${repo.repo} has more than ${MARKER_SEARCH_PAGES * 100} ${what}${since ? ` since ${since.toISOString()}` : " of that name on the commit"}; nothing was made again`);
}
