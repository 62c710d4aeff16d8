/**
 * The GitHub port: what the engine and the actions need from GitHub for one installation
 * (folders, issues, comments, check runs, permissions), and the rule of who may run by hand.
 * The Octokit adapter (github/octokit-port.ts), the dry run's recorder and the tests' fakes implement it.
 */
import type { RepositoryInfo } from "./events.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

/** One file of a repository's `.governance/` folder, as read from GitHub. */
export interface GovernanceFileBlob {
  /** Path inside the repository, e.g. `.governance/triage.yml`. */
  path: string;
  /** Git blob id: content-addressed, so a cache keyed by it never goes stale. */
  oid: string;
  byteSize: number;
  /** The text; absent when the blob is binary or larger than the loader reads. */
  text?: string;
}

/** The `.governance/` folder at one commit. */
export interface GovernanceFolder {
  /** The commit the folder was read at. */
  commit: string;
  /** The folder's tree id; absent when the repository has no `.governance/` folder. */
  treeOid?: string;
  files: GovernanceFileBlob[];
}

export interface IssueRef {
  number: number;
  url: string;
}

export interface CommentRef {
  id: number;
  url: string;
}

export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "timed_out" | "action_required" | "skipped";

export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  startColumn?: number;
  endColumn?: number;
  level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: CheckAnnotation[];
}

/** A button on a check run (GitHub shows at most three). */
export interface CheckAction {
  label: string;
  identifier: string;
  description: string;
}

export interface CheckRunInput {
  name: string;
  headSha: string;
  externalId?: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?: CheckConclusion;
  detailsUrl?: string;
  output?: CheckOutput;
  actions?: CheckAction[];
}

export interface CheckRunUpdate {
  status?: "queued" | "in_progress" | "completed";
  conclusion?: CheckConclusion;
  output?: CheckOutput;
  /** Replaces the buttons; [] removes them. */
  actions?: CheckAction[];
}

/** What the engine and the actions need from GitHub, for one installation. */
/** A user's permission on a repository, as GitHub names it. */
export type RepositoryPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/**
 * Whether a permission lets its holder start or stop runs by hand (a `/governance run`
 * comment, the Cancel run button): write access or more, people who could change the
 * repository anyway.
 */
export function canRunByHand(permission: RepositoryPermission): boolean {
  return permission === "admin" || permission === "maintain" || permission === "write";
}

/** An input a GitHub Actions workflow declares for `workflow_dispatch`. */
export interface DispatchInput {
  required?: boolean;
  /** string, boolean, number, choice or environment (absent: string). */
  type?: string;
  default?: unknown;
  /** A choice input's options. */
  options?: string[];
}

/** What GitHub said about a dispatched workflow run: its id and page (GitHub.com), or nothing (GitHub Enterprise Server). */
export interface DispatchResult {
  runId?: number;
  runUrl?: string;
}

/** A change to an issue: only the fields given are sent. */
export interface IssueUpdate {
  body?: string;
  state?: "open" | "closed";
  /** Why the issue was closed or reopened, as GitHub shows it. */
  stateReason?: "completed" | "not_planned" | "reopened";
  /** Replaces the assignees; [] removes them all. */
  assignees?: string[];
}

/** Logins split by whether they can be assigned issues in a repository. */
export interface AssignableLogins {
  assignable: string[];
  /** Not assignable (not collaborators, or unknown), then those past the ten GitHub allows on an issue, unasked. */
  not: string[];
}

export interface GitHubPort {
  /** Reads `.governance/` at a branch name or commit sha, in as few requests as GitHub allows. */
  readGovernanceFolder(repo: RepoRef, ref: string): Promise<GovernanceFolder>;
  /** The tree id of `.governance/` at a ref, or undefined when there is none (one cheap request). */
  governanceTreeOid(repo: RepoRef, ref: string): Promise<string | undefined>;
  /** Paths of the files a pull request changes. */
  listPullRequestFiles(repo: RepoRef, number: number): Promise<string[]>;
  createIssue(repo: RepoRef, issue: { title: string; body: string; labels?: string[]; assignees?: string[] }): Promise<IssueRef>;
  /** An issue created since `since` whose body holds `marker`: finds a side effect made before a crash. */
  findIssueByMarker(repo: RepoRef, marker: string, since: Date): Promise<IssueRef | undefined>;
  createComment(repo: RepoRef, issueNumber: number, body: string): Promise<CommentRef>;
  findCommentByMarker(repo: RepoRef, issueNumber: number, marker: string, since: Date): Promise<CommentRef | undefined>;
  /** A user's permission on a repository: admin, maintain, write, triage, read or none. */
  getPermission(repo: RepoRef, user: string): Promise<RepositoryPermission>;
  /** Whether a user is an active member of an organisation's team. */
  isTeamMember(org: string, teamSlug: string, user: string): Promise<boolean>;
  /** The repositories an installation can see (for the schedule index). */
  listInstallationRepositories(): Promise<RepositoryInfo[]>;
  createCheckRun(repo: RepoRef, input: CheckRunInput): Promise<{ id: number; url: string }>;
  /** The check run on `headSha` with this name and external id, if one exists. */
  findCheckRun(repo: RepoRef, headSha: string, name: string, externalId: string): Promise<{ id: number; url: string } | undefined>;
  updateCheckRun(repo: RepoRef, checkRunId: number, update: CheckRunUpdate): Promise<void>;
  /** A repository's default branch. */
  getDefaultBranch(repo: RepoRef): Promise<string>;
  /**
   * The inputs a workflow file (`.github/workflows/<file>`) declares for workflow_dispatch at
   * `ref`; undefined when the file cannot be read or parsed (the dispatch is then not checked).
   */
  readDispatchInputs(repo: RepoRef, workflowFile: string, ref: string): Promise<Record<string, DispatchInput> | undefined>;
  /** Dispatches a workflow on `ref` (a branch), asking GitHub to say which run it started. */
  dispatchWorkflow(repo: RepoRef, workflowFile: string, ref: string, inputs: Record<string, string>): Promise<DispatchResult>;
  /**
   * A file's text at `ref` (a branch or commit), as UTF-8; undefined when there is no such path,
   * when it is not a file (a directory, a symlink, a submodule), or when it is over 1 MiB.
   */
  readTextFile(repo: RepoRef, path: string, ref: string): Promise<string | undefined>;
  /** The logins of a team's active members (child teams' included), at most 100; [] when the team is not found or not visible. */
  listTeamMembers(org: string, teamSlug: string): Promise<string[]>;
  /**
   * Which logins can be assigned issues in `repo` (collaborators, members with access), in the
   * order given, without duplicates (case-insensitive). Only the first 10 are asked about, one
   * request each: an issue takes at most 10 assignees, and the rest go to `not` unasked.
   */
  filterAssignable(repo: RepoRef, logins: string[]): Promise<AssignableLogins>;
  /** Edits an issue: its body, its state (and why), its assignees. Nothing given, nothing sent. */
  updateIssue(repo: RepoRef, number: number, update: IssueUpdate): Promise<void>;
  /** The slug of the app that made a check run (this app's, for a run's own check run): its dispatches are by `<slug>[bot]`. */
  checkRunAppSlug(repo: RepoRef, checkRunId: number): Promise<string | undefined>;
}

/** Opens the GitHub port of one installation. */
export type GitHubPortFactory = (installationId: number) => Promise<GitHubPort>;
