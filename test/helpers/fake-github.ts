import type { CheckRunInput, CheckRunUpdate, GitHubPort, GovernanceFolder, RepoRef } from "../../src/domain/ports.js";

/** An in-memory GitHub: issues and comments it holds can be found again by their body. */
export class FakeGitHub implements GitHubPort {
  issues: Array<{ repo: string; number: number; title: string; body: string; labels?: string[]; assignees?: string[] }> = [];
  comments: Array<{ repo: string; issue: number; id: number; body: string }> = [];
  /** Set to make the next write fail after it took effect (a 502 after a successful create). */
  failAfterWrite = false;
  private next = 1;

  /** Workflow dispatches made, and what the next one answers (GitHub.com says the run; set `dispatchAnswer = {}` for GitHub Enterprise Server). */
  dispatches: Array<{ repo: string; workflow: string; ref: string; inputs: Record<string, string> }> = [];
  dispatchAnswer: { runId?: number; runUrl?: string } | undefined;
  /** The declared inputs of workflow files, by file name (absent: not readable). */
  workflowInputs: Record<string, Record<string, { required?: boolean; type?: string; default?: unknown; options?: string[] }>> = {};

  async getDefaultBranch() {
    return "main";
  }
  async readDispatchInputs(_repo: RepoRef, workflowFile: string) {
    return this.workflowInputs[workflowFile];
  }
  async dispatchWorkflow(repo: RepoRef, workflow: string, ref: string, inputs: Record<string, string>) {
    this.dispatches.push({ repo: `${repo.owner}/${repo.repo}`, workflow, ref, inputs });
    this.maybeFail();
    const runId = 5000 + this.dispatches.length;
    return this.dispatchAnswer ?? { runId, runUrl: `https://github.com/${repo.owner}/${repo.repo}/actions/runs/${runId}` };
  }

  async readGovernanceFolder(_repo?: RepoRef, _ref?: string): Promise<GovernanceFolder> {
    throw new Error("not used");
  }
  async governanceTreeOid() {
    return undefined;
  }
  async listPullRequestFiles() {
    return [];
  }
  async createIssue(repo: RepoRef, issue: { title: string; body: string; labels?: string[]; assignees?: string[] }) {
    const number = this.issues.length + 1;
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
  /** Permissions by user (default write) and team members by "org/team". */
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
  checkRuns: Array<{ id: number; name: string; externalId?: string; headSha: string }> = [];
  checkUpdates: Array<{ id: number } & CheckRunUpdate> = [];
  async createCheckRun(_repo: RepoRef, input: CheckRunInput) {
    const id = this.next++;
    this.checkRuns.push({ id, name: input.name, externalId: input.externalId, headSha: input.headSha });
    return { id, url: `https://github.com/acme/api/runs/${id}` };
  }
  async findCheckRun(_repo: RepoRef, headSha: string, name: string, externalId: string) {
    const found = this.checkRuns.find((c) => c.headSha === headSha && c.name === name && c.externalId === externalId);
    return found ? { id: found.id, url: "" } : undefined;
  }
  async updateCheckRun(_repo: RepoRef, id: number, update: CheckRunUpdate) {
    this.checkUpdates.push({ id, ...update });
  }

  private maybeFail() {
    if (!this.failAfterWrite) return;
    this.failAfterWrite = false;
    throw Object.assign(new Error("Bad Gateway"), { status: 502 });
  }
}
