/**
 * Where runs get their workflows: loads and validates a repository's `.governance/` folder at a
 * commit, caching parsed files by blob id and the default branch's policy per repository until
 * a push (or the TTL) says it changed.
 */
import { v5 as uuidv5 } from "uuid";
import type { RepositoryInfo } from "../domain/events.js";
import type { GitHubPort, GovernanceFileBlob } from "../domain/ports.js";
import { BoundedCache } from "../domain/bounded-cache.js";
import type { Workflow } from "../domain/workflow.js";
import { fileError, isWorkflowFileName, loadWorkflow, sizeError, type WorkflowFile } from "../workflows/index.js";
import type { LoadOptions } from "../workflows/load.js";

/** How long a repository's policy is used without a push saying it changed (a missed webhook is healed after this). */
export const DEFAULT_POLICY_TTL_MS = 10 * 60_000;

/** Namespace for workflow ids derived from repository and path (uuid v5). */
const WORKFLOW_ID_NAMESPACE = "4f0c2a51-7a7e-4d7b-9d0e-6b2f3c8e1a90";

/** A workflow file's id: the one it declares, else derived from the repository id and path. */
export function workflowIdFor(workflow: Workflow, repositoryId: number, path: string): string {
  return workflow.id ?? uuidv5(`${repositoryId}:${path}`, WORKFLOW_ID_NAMESPACE);
}

export interface SourceOptions extends Pick<LoadOptions, "knownScripts"> {
  /**
   * Called after each read of a repository's default branch (not for cached answers): the API's
   * catalogue of repository workflows is kept from it. Its failure is its own: the read stands.
   */
  onDefaultBranchRead?(repository: RepositoryInfo, installationId: number, folder: LoadedFolder): void;
}

export interface LoadedWorkflow {
  path: string;
  id: string;
  workflow: Workflow;
}

/** The `.governance/` folder at one commit: the valid workflows, and the files that are not. */
export interface LoadedFolder {
  commit: string;
  treeOid?: string;
  workflows: LoadedWorkflow[];
  /** Every file's validation result, valid or not, for reports and validation checks. */
  files: WorkflowFile[];
}

/**
 * Loads and validates `.governance/` folders. Parsed results are cached by git blob id, which
 * names content exactly, so an unchanged file is never parsed twice; the port caches the
 * reading itself.
 */
export class WorkflowSource {
  /** Parsed files by blob id, weighed by their text's length (what they were parsed from). */
  private readonly parsed: BoundedCache<string, WorkflowFile>;
  /** The default branch's folder per repository, until a push says it changed (or it ages out); weighed by its files' text. */
  private readonly policies: BoundedCache<string, Policy>;

  constructor(
    maxCached = 2000,
    private readonly policyTtlMs = DEFAULT_POLICY_TTL_MS,
    private readonly now: () => number = Date.now,
    maxCachedChars = CACHED_SOURCE_CHARS,
    /** What files are validated against beyond the format (the operator's scripts, when known), and who hears of a default branch read. */
    private readonly options: SourceOptions = {},
  ) {
    this.parsed = new BoundedCache(maxCached, maxCachedChars);
    this.policies = new BoundedCache(maxCached, maxCachedChars);
  }

  /**
   * The workflows of a repository's default branch: the policy runs are made from. Kept per
   * repository, so a delivery for a repository seen lately costs no request: a push to the
   * default branch (or a change of it) calls `forget`, and an entry older than the TTL is read
   * again in case such a webhook was missed.
   */
  async loadPolicy(github: GitHubPort, repository: RepositoryInfo, installationId?: number): Promise<LoadedFolder> {
    const key = repository.fullName.toLowerCase();
    const cached = this.policies.get(key);
    if (cached && cached.branch === repository.defaultBranch && this.now() - cached.at < this.policyTtlMs) return cached.folder;
    const read = this.read(github, repository, repository.defaultBranch, installationId);
    const policy: Policy = { branch: repository.defaultBranch, at: this.now(), folder: read.then((r) => r.folder) };
    this.policies.set(key, policy, ENTRY_CHARS);
    read.then(
      // Weighed once its files are known: the cache then drops what is past its bound.
      (r) => this.policies.reweigh(key, policy, ENTRY_CHARS + r.chars),
      // A failed read is not kept: the next delivery tries again.
      () => this.policies.get(key) === policy && this.policies.delete(key),
    );
    return policy.folder;
  }

  /** The repository's default branch changed (a push, a rename, a new default): read its policy again next time. */
  forget(repository: string): void {
    this.policies.delete(repository.toLowerCase());
  }

  /** The folder at `ref`; with the installation given, a read of the default branch is reported (onDefaultBranchRead). */
  async load(github: GitHubPort, repository: RepositoryInfo, ref: string, installationId?: number): Promise<LoadedFolder> {
    return (await this.read(github, repository, ref, installationId)).folder;
  }

  /** The folder, with how many characters of workflow text it was parsed from. */
  private async read(github: GitHubPort, repository: RepositoryInfo, ref: string, installationId?: number): Promise<{ folder: LoadedFolder; chars: number }> {
    const folder = await github.readGovernanceFolder({ owner: repository.owner, repo: repository.name }, ref);
    const blobs = folder.files.filter((f) => isWorkflowFileName(f.path));
    const chars = blobs.reduce((sum, f) => sum + (f.text?.length ?? 0), 0);
    const files = blobs.sort((a, b) => a.path.localeCompare(b.path)).map((f) => this.parse(f));
    const workflows = files
      .filter((f): f is WorkflowFile & { workflow: Workflow } => f.workflow !== undefined)
      .map((f) => ({ path: f.path, workflow: f.workflow, id: workflowIdFor(f.workflow, repository.id, f.path) }));
    const loaded: LoadedFolder = { commit: folder.commit, treeOid: folder.treeOid, workflows, files };
    if (ref === repository.defaultBranch && installationId !== undefined) this.options.onDefaultBranchRead?.(repository, installationId, loaded);
    return { folder: loaded, chars };
  }

  private parse(blob: GovernanceFileBlob): WorkflowFile {
    const cached = this.parsed.get(blob.oid);
    if (cached) return { ...cached, path: blob.path };
    const result =
      blob.text === undefined
        ? (sizeError(blob.path, blob.byteSize) ?? fileError(blob.path, "the file is not text"))
        : loadWorkflow(blob.path, blob.text, { knownScripts: this.options.knownScripts });
    this.parsed.set(blob.oid, result, ENTRY_CHARS + (blob.text?.length ?? 0));
    return result;
  }
}

interface Policy {
  branch: string;
  at: number;
  folder: Promise<LoadedFolder>;
}

/**
 * How much workflow text the caches keep, in characters (each cache). A typical workflow has
 * a few thousand, so thousands of repositories fit; a tenant with many files near the 256 KiB
 * limit only pushes its own folders out of the cache sooner.
 */
export const CACHED_SOURCE_CHARS = 8 * 1024 * 1024;
/** What an entry weighs besides its text: a folder or file with no text is not free. */
const ENTRY_CHARS = 256;

