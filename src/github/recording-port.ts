/**
 * The dry run's stand-ins for GitHub and the channels: no network, workflows read from a local
 * folder, plausible answers to writes, and every call recorded and tagged with the run that made it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CheckAction, CheckOutput, GitHubPort, GovernanceFileBlob, IssueUpdate, Notifier, RepoRef } from "../domain/ports.js";
import type { ScriptResult, ScriptRunner, ScriptRunOptions } from "../domain/script-port.js";
import { isWorkflowFileName, LIMITS } from "../workflows/index.js";
import { ASSIGNEES_CHECKED_MAX, TEAM_MEMBERS_MAX } from "./octokit-issues.js";
import { GOVERNANCE_DIR } from "./octokit-port.js";

/** A call the app would have made to GitHub or a channel, as a dry run records it. */
export interface RecordedCall {
  kind: "createIssue" | "updateIssue" | "createComment" | "createCheckRun" | "updateCheckRun" | "notify" | "dispatchWorkflow" | "runScript";
  target: string;
  details: Record<string, unknown>;
  /** The run whose work made the call; absent for calls made outside any run. */
  runId?: string;
}

/** A check run as the stand-in last saw it: what the app's reporter posted, field by field. */
export interface RecordedCheckRun {
  name: string;
  status?: "queued" | "in_progress" | "completed";
  conclusion?: string;
  output?: CheckOutput;
  actions?: CheckAction[];
}

/**
 * The calls of a dry run, each tagged with the run it was made for. The tag follows the work
 * through every await (AsyncLocalStorage), so runs executed one after another, or at once,
 * never get each other's calls.
 */
export class CallLog {
  readonly calls: RecordedCall[] = [];
  readonly #run = new AsyncLocalStorage<string>();

  /** Runs `work` as run `runId`'s: every call recorded while it runs is that run's. */
  forRun<T>(runId: string, work: () => T): T {
    return this.#run.run(runId, work);
  }

  record(call: Omit<RecordedCall, "runId">): void {
    const runId = this.#run.getStore();
    this.calls.push(runId === undefined ? call : { ...call, runId });
  }

  /** The calls made for one run, in order. */
  ofRun(runId: string): RecordedCall[] {
    return this.calls.filter((c) => c.runId === runId);
  }
}

/** Git's blob id of a text, so the dry run caches exactly as the app does. */
function blobOid(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/**
 * A stand-in for GitHub that makes no network call: it reads workflows from a local folder,
 * answers every write with a plausible result, and records what it was asked to do.
 */
export class RecordingGitHub implements GitHubPort {
  readonly calls: RecordedCall[];
  /** Each check run as last created or updated, by id. */
  readonly checkRuns = new Map<number, RecordedCheckRun>();
  private nextNumber = 1000;
  private nextRunId = 7000;

  constructor(
    private readonly folder: string,
    private readonly changedFiles: string[] = [],
    private readonly log: CallLog = new CallLog(),
  ) {
    this.calls = log.calls;
  }

  async readGovernanceFolder(_repo: RepoRef, _ref: string) {
    const names = (await readdir(this.folder)).filter(isWorkflowFileName).sort();
    const files: GovernanceFileBlob[] = [];
    for (const name of names) {
      const path = join(this.folder, name);
      const size = (await stat(path)).size;
      const display = `${GOVERNANCE_DIR}/${name}`;
      if (size > LIMITS.maxFileBytes) {
        files.push({ path: display, oid: `size:${size}:${name}`, byteSize: size });
        continue;
      }
      const bytes = await readFile(path);
      files.push({ path: display, oid: blobOid(bytes), byteSize: size, text: bytes.toString("utf8") });
    }
    return { commit: "0000000000000000000000000000000000000000", treeOid: "local", files };
  }

  async governanceTreeOid() {
    // The dry run reads one folder; there is no separate pull request head to validate.
    return "local";
  }

  async listPullRequestFiles() {
    return this.changedFiles;
  }

  async createIssue(repo: RepoRef, issue: { title: string; body: string; labels?: string[]; assignees?: string[] }) {
    const number = this.nextNumber++;
    this.log.record({ kind: "createIssue", target: `${repo.owner}/${repo.repo}`, details: { ...issue } });
    return { number, url: `https://github.com/${repo.owner}/${repo.repo}/issues/${number}` };
  }

  async findIssueByMarker() {
    return undefined;
  }

  async updateIssue(repo: RepoRef, number: number, update: IssueUpdate) {
    this.log.record({ kind: "updateIssue", target: `${repo.owner}/${repo.repo}#${number}`, details: { ...update } });
  }

  async createComment(repo: RepoRef, issueNumber: number, body: string) {
    const id = this.nextNumber++;
    this.log.record({ kind: "createComment", target: `${repo.owner}/${repo.repo}#${issueNumber}`, details: { body } });
    return { id, url: `https://github.com/${repo.owner}/${repo.repo}/issues/${issueNumber}#issuecomment-${id}` };
  }

  async findCommentByMarker() {
    return undefined;
  }

  async createCheckRun(repo: RepoRef, input: Parameters<GitHubPort["createCheckRun"]>[1]) {
    const id = this.nextNumber++;
    this.log.record({ kind: "createCheckRun", target: `${repo.owner}/${repo.repo}@${input.headSha.slice(0, 7)}`, details: { name: input.name, status: input.status } });
    this.checkRuns.set(id, { name: input.name, status: input.status, conclusion: input.conclusion, output: input.output, actions: input.actions });
    return { id, url: `https://github.com/${repo.owner}/${repo.repo}/runs/${id}` };
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
  async listTeamMembers(org: string, teamSlug: string) {
    return (this.teams[`${org}/${teamSlug}`] ?? []).slice(0, TEAM_MEMBERS_MAX);
  }
  /** Everyone is assignable in a dry run; as with GitHub, only the first 10 are asked about. */
  async filterAssignable(_repo: RepoRef, logins: string[]) {
    const seen = new Set<string>();
    const unique = logins.filter((l) => l !== "" && !seen.has(l.toLowerCase()) && seen.add(l.toLowerCase()));
    return { assignable: unique.slice(0, ASSIGNEES_CHECKED_MAX), not: unique.slice(ASSIGNEES_CHECKED_MAX) };
  }
  async readTextFile() {
    // The stand-in has the local workflow folder only: no CODEOWNERS, no other file.
    return undefined;
  }
  async checkRunAppSlug() {
    return "governance";
  }
  async getDefaultBranch() {
    return "main";
  }
  async readDispatchInputs() {
    // The stand-in has no workflow files: the inputs are not checked.
    return undefined;
  }
  async dispatchWorkflow(repo: RepoRef, workflowFile: string, ref: string, inputs: Record<string, string>) {
    const runId = this.nextRunId++;
    this.log.record({ kind: "dispatchWorkflow", target: `${repo.owner}/${repo.repo}`, details: { workflow: workflowFile, ref, inputs } });
    return { runId, runUrl: `https://github.com/${repo.owner}/${repo.repo}/actions/runs/${runId}` };
  }
  async listInstallationRepositories() {
    return [];
  }
  async findCheckRun() {
    return undefined;
  }

  async updateCheckRun(repo: RepoRef, checkRunId: number, update: Parameters<GitHubPort["updateCheckRun"]>[2]) {
    const previous = this.checkRuns.get(checkRunId);
    this.log.record({ kind: "updateCheckRun", target: `${repo.owner}/${repo.repo}`, details: { id: checkRunId, status: update.status, conclusion: update.conclusion } });
    // As GitHub keeps them: a field not sent stays; a check run back in progress has no conclusion.
    const status = update.status ?? previous?.status;
    this.checkRuns.set(checkRunId, {
      name: previous?.name ?? "",
      status,
      conclusion: status === "completed" ? (update.conclusion ?? previous?.conclusion) : undefined,
      output: update.output ?? previous?.output,
      actions: update.actions ?? previous?.actions,
    });
  }
}

/** A notifier that records messages instead of sending them; `known` limits the channels it accepts. */
export class RecordingNotifier implements Notifier {
  readonly calls: RecordedCall[];
  constructor(
    private readonly known?: (channel: string) => boolean,
    private readonly log: CallLog = new CallLog(),
  ) {
    this.calls = log.calls;
  }
  has(channel: string): boolean {
    return this.known ? this.known(channel) : true;
  }
  async send(channel: string, message: { text: string }): Promise<void> {
    this.log.record({ kind: "notify", target: channel, details: { text: message.text } });
  }
}

/**
 * Scripts that are recorded instead of run: a dry run never executes one. It records the script's
 * name and the argv its args would add, and answers as a script that printed nothing and exited 0.
 * `known` limits the scripts it accepts (undefined: every name).
 */
export class RecordingScripts implements ScriptRunner {
  readonly calls: RecordedCall[];
  constructor(
    private readonly known?: (name: string) => boolean,
    private readonly log: CallLog = new CallLog(),
  ) {
    this.calls = log.calls;
  }
  has(name: string): boolean {
    return this.known ? this.known(name) : true;
  }
  names(): string[] {
    return [];
  }
  idempotent(): boolean {
    return false;
  }
  async run(name: string, args: readonly string[], options: ScriptRunOptions = {}): Promise<ScriptResult> {
    this.log.record({ kind: "runScript", target: name, details: { script: name, args: [...args], ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) } });
    return { exitCode: 0, signal: null, stdout: "", stderr: "", truncated: false, timedOut: false, durationMs: 0 };
  }
}
