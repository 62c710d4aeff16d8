/**
 * The GitHub port's calls for remediation tasks and dispatches, over an installation's Octokit: a
 * file's text at a ref (CODEOWNERS), a team's members, who can be assigned issues, editing an
 * issue, and which app made a check run (the app's own login, which its dispatches carry).
 * octokit-port.ts spreads them into the port. Every answer is bounded (see the limits below).
 */
import type { ProbotOctokit } from "probot";
import type { AssignableLogins, GitHubPort, IssueUpdate, RepoRef } from "../domain/ports.js";

/** The largest file readTextFile returns: GitHub's contents API gives the text of files up to 1 MB, and refuses bigger ones. */
export const TEXT_FILE_MAX_BYTES = 1024 * 1024;
/** The most members listTeamMembers returns: one page. */
export const TEAM_MEMBERS_MAX = 100;
/** The most logins filterAssignable asks about: GitHub takes at most 10 assignees on an issue. */
export const ASSIGNEES_CHECKED_MAX = 10;

type IssueCalls = Pick<GitHubPort, "readTextFile" | "listTeamMembers" | "filterAssignable" | "updateIssue" | "checkRunAppSlug">;

const statusOf = (err: unknown) => (err as { status?: number })?.status;

/** GitHub's 403 for a file over 1 MB read as JSON (`too_large`), as opposed to a permission or a rate limit. */
function isTooLarge(err: unknown): boolean {
  const e = err as { message?: string; response?: { data?: { errors?: Array<{ code?: string }> } } };
  return (e.response?.data?.errors ?? []).some((x) => x?.code === "too_large") || /too[ _]large/i.test(e.message ?? "");
}

/** The calls of the port that remediation tasks need. */
export function octokitIssueCalls(octokit: ProbotOctokit): IssueCalls {
  return {
    async readTextFile(repo: RepoRef, path: string, ref: string) {
      let data: unknown;
      try {
        ({ data } = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path, ref }));
      } catch (err) {
        if (statusOf(err) === 404 || (statusOf(err) === 403 && isTooLarge(err))) return undefined;
        throw err;
      }
      // A directory answers with its listing (an array); a symlink or a submodule with another type.
      if (Array.isArray(data)) return undefined;
      const file = data as { type?: string; size?: number; encoding?: string; content?: string };
      if (file.type !== "file" || (file.size ?? 0) > TEXT_FILE_MAX_BYTES || file.encoding !== "base64" || typeof file.content !== "string") return undefined;
      const bytes = Buffer.from(file.content, "base64");
      return bytes.length > TEXT_FILE_MAX_BYTES ? undefined : bytes.toString("utf8");
    },

    async listTeamMembers(org, teamSlug) {
      const logins: string[] = [];
      try {
        const pages = octokit.paginate.iterator(octokit.rest.teams.listMembersInOrg, { org, team_slug: teamSlug, per_page: 100 });
        for await (const { data } of pages) {
          for (const member of data) if (logins.length < TEAM_MEMBERS_MAX && member?.login) logins.push(member.login);
          // Leaving the loop stops the iterator: no page past the bound is asked for.
          if (logins.length >= TEAM_MEMBERS_MAX) break;
        }
      } catch (err) {
        if (statusOf(err) === 404) return [];
        throw err;
      }
      return logins;
    },

    async filterAssignable(repo, logins): Promise<AssignableLogins> {
      const seen = new Set<string>();
      const unique = logins.filter((l) => l !== "" && !seen.has(l.toLowerCase()) && seen.add(l.toLowerCase()));
      const asked = unique.slice(0, ASSIGNEES_CHECKED_MAX);
      // 204: assignable; 404: not. Anything else (a 5xx, a rate limit) is an error: the step tries again.
      const answers = await Promise.all(
        asked.map(async (assignee) => {
          try {
            await octokit.rest.issues.checkUserCanBeAssigned({ owner: repo.owner, repo: repo.repo, assignee });
            return true;
          } catch (err) {
            if (statusOf(err) === 404) return false;
            throw err;
          }
        }),
      );
      return {
        assignable: asked.filter((_, i) => answers[i]),
        not: [...asked.filter((_, i) => !answers[i]), ...unique.slice(ASSIGNEES_CHECKED_MAX)],
      };
    },

    async updateIssue(repo, number, update: IssueUpdate) {
      const fields = {
        ...(update.body !== undefined ? { body: update.body } : {}),
        ...(update.state ? { state: update.state } : {}),
        ...(update.stateReason ? { state_reason: update.stateReason } : {}),
        ...(update.assignees ? { assignees: update.assignees } : {}),
      };
      if (Object.keys(fields).length === 0) return;
      await octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: number, ...fields });
    },

    async checkRunAppSlug(repo: RepoRef, checkRunId: number) {
      try {
        const { data } = await octokit.rest.checks.get({ owner: repo.owner, repo: repo.repo, check_run_id: checkRunId });
        const slug = (data as { app?: { slug?: unknown } | null }).app?.slug;
        return typeof slug === "string" && slug.length <= 100 ? slug : undefined;
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
  };
}
