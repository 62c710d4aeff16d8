import type { GitHubPort, RepoRef } from "../../src/domain/ports.js";

/** An in-memory GitHub: issues and comments it holds can be found again by their body. */
export class FakeGitHub implements GitHubPort {
  issues: Array<{ repo: string; number: number; title: string; body: string; labels?: string[]; assignees?: string[] }> = [];
  comments: Array<{ repo: string; issue: number; id: number; body: string }> = [];
  /** Set to make the next write fail after it took effect (a 502 after a successful create). */
  failAfterWrite = false;
  private next = 1;

  async readGovernanceFolder(): Promise<never> {
    throw new Error("not used");
  }
  async governanceTreeOid() {
    return undefined;
  }
  async listPullRequestFiles() {
    return [];
  }
  async createIssue(repo: RepoRef, issue: { title: string; body: string; labels?: string[]; assignees?: string[] }) {
    const number = this.next++;
    this.issues.push({ repo: `${repo.owner}/${repo.repo}`, number, ...issue });
    this.maybeFail();
    return { number, url: `https://github.com/${repo.owner}/${repo.repo}/issues/${number}` };
  }
  async findIssueByMarker(repo: RepoRef, marker: string) {
    const found = this.issues.find((i) => i.repo === `${repo.owner}/${repo.repo}` && i.body.includes(marker));
    return found ? { number: found.number, url: `https://github.com/${found.repo}/issues/${found.number}` } : undefined;
  }
  async createComment(repo: RepoRef, issue: number, body: string) {
    const id = this.next++;
    this.comments.push({ repo: `${repo.owner}/${repo.repo}`, issue, id, body });
    this.maybeFail();
    return { id, url: `https://github.com/${repo.owner}/${repo.repo}/issues/${issue}#issuecomment-${id}` };
  }
  async findCommentByMarker(repo: RepoRef, issue: number, marker: string) {
    const found = this.comments.find((c) => c.repo === `${repo.owner}/${repo.repo}` && c.issue === issue && c.body.includes(marker));
    return found ? { id: found.id, url: `https://github.com/${found.repo}/issues/${issue}#issuecomment-${found.id}` } : undefined;
  }
  async createCheckRun() {
    return { id: this.next++, url: "" };
  }
  /** Everyone may do everything in a dry run / a fake: permission checks are tested elsewhere. */
  permissions: Record<string, "admin" | "maintain" | "write" | "triage" | "read" | "none"> = {};
  teams: Record<string, string[]> = {};
  async getPermission(_repo: RepoRef, user: string) {
    return this.permissions[user] ?? "write";
  }
  async isTeamMember(org: string, teamSlug: string, user: string) {
    return (this.teams[`${org}/${teamSlug}`] ?? []).includes(user);
  }
  async listInstallationRepositories() {
    return [];
  }
  async findCheckRun() {
    return undefined;
  }
  async updateCheckRun() {}

  private maybeFail() {
    if (!this.failAfterWrite) return;
    this.failAfterWrite = false;
    throw Object.assign(new Error("Bad Gateway"), { status: 502 });
  }
}
