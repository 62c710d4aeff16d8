import type { CheckRunInput, CheckRunUpdate, GitHubPort, GovernanceFolder, IssueUpdate, RepoRef } from "../../src/domain/ports.js";
import { ASSIGNEES_CHECKED_MAX, TEAM_MEMBERS_MAX } from "../../src/github/octokit-issues.js";

/** An in-memory GitHub: issues and comments it holds can be found again by their body. */
export class FakeGitHub implements GitHubPort {
  issues: Array<{ repo: string; number: number; title: string; body: string; labels?: string[]; assignees?: string[]; state?: "open" | "closed"; stateReason?: string }> = [];
  comments: Array<{ repo: string; issue: number; id: number; body: string }> = [];
  /** Set to make the next write fail after it took effect (a 502 after a successful create). */
  failAfterWrite = false;
  private next = 1;

  /** Workflow dispatches made, and what the next one answers (GitHub.com says the run; set `dispatchAnswer = {}` for GitHub Enterprise Server). */
  dispatches: Array<{ repo: string; workflow: string; ref: string; inputs: Record<string, string> }> = [];
  dispatchAnswer: { runId?: number; runUrl?: string } | undefined;
  /** The declared inputs of workflow files, by file name (absent: not readable). */
  workflowInputs: Record<string, Record<string, { required?: boolean; type?: string; default?: unknown; options?: string[] }>> = {};

  /** The app slug check runs answer with. */
  appSlug: string | undefined = "governance";
  async checkRunAppSlug() {
    return this.appSlug;
  }
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
  async governanceTreeOid(): Promise<string | undefined> {
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
  /** Team members listed, by "org/team"; a team not in `teams` is not found ([]). */
  teamReads: string[] = [];
  async listTeamMembers(org: string, teamSlug: string) {
    this.teamReads.push(`${org}/${teamSlug}`);
    return (this.teams[`${org}/${teamSlug}`] ?? []).slice(0, TEAM_MEMBERS_MAX);
  }
  /** Files by path (any repository, any ref), and the reads made as "owner/repo@ref:path". */
  files: Record<string, string> = {};
  fileReads: string[] = [];
  async readTextFile(repo: RepoRef, path: string, ref: string) {
    this.fileReads.push(`${repo.owner}/${repo.repo}@${ref}:${path}`);
    return this.files[path];
  }
  /** Logins that cannot be assigned (lower case); everyone else can. As on GitHub, only the first 10 are asked about. */
  notAssignable = new Set<string>();
  async filterAssignable(_repo: RepoRef, logins: string[]) {
    const seen = new Set<string>();
    const unique = logins.filter((l) => l !== "" && !seen.has(l.toLowerCase()) && seen.add(l.toLowerCase()));
    const asked = unique.slice(0, ASSIGNEES_CHECKED_MAX);
    const can = (l: string) => !this.notAssignable.has(l.toLowerCase());
    return { assignable: asked.filter(can), not: [...asked.filter((l) => !can(l)), ...unique.slice(ASSIGNEES_CHECKED_MAX)] };
  }
  /** Issue edits made, in order; each also changes the issue it names, when the fake holds it. */
  issueUpdates: Array<{ repo: string; number: number } & IssueUpdate> = [];
  async updateIssue(repo: RepoRef, number: number, update: IssueUpdate) {
    const key = `${repo.owner}/${repo.repo}`;
    this.issueUpdates.push({ repo: key, number, ...update });
    const issue = this.issues.find((i) => i.repo === key && i.number === number);
    if (issue) {
      if (update.body !== undefined) issue.body = update.body;
      if (update.assignees) issue.assignees = [...update.assignees];
      if (update.state) issue.state = update.state;
      if (update.stateReason) issue.stateReason = update.stateReason;
    }
    this.maybeFail();
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
