/**
 * The GitHub port over an installation's Octokit: every GitHub call the engine makes, with
 * `.governance/` read in one GraphQL query and blob texts cached by id across installations.
 */
import type { ProbotOctokit } from "probot";
import type {
  CheckAnnotation,
  CheckOutput,
  CheckRunInput,
  CheckRunUpdate,
  GitHubPort,
  GovernanceFileBlob,
  GovernanceFolder,
  RepoRef,
} from "../domain/ports.js";
import { LIMITS } from "../workflows/index.js";
import { BoundedCache } from "../domain/bounded-cache.js";
import { AnswerTooLarge, createHttpFetch } from "./http-fetch.js";
import { dispatchInputsOf } from "./dispatch-inputs.js";
import { octokitIssueCalls } from "./octokit-issues.js";
import { octokitMarkerSearches } from "./octokit-markers.js";

/** The folder the app reads policy from. */
export const GOVERNANCE_DIR = ".governance";

/** The folder's listing, and with `text isTruncated` its files' texts too. */
const listFolder = (blobFields: string) => `query($owner: String!, $repo: String!, $commit: String!, $tree: String!) {
  repository(owner: $owner, name: $repo) {
    commit: object(expression: $commit) { oid }
    tree: object(expression: $tree) {
      ... on Tree { oid entries { name path type oid object { ... on Blob { ${blobFields} } } } }
    }
  }
}`;
const LIST_FOLDER = listFolder("byteSize isBinary");
const LIST_FOLDER_WITH_TEXTS = listFolder("byteSize isBinary text isTruncated");

/**
 * Largest answer to the listing with texts. A folder of a few workflows is a few kilobytes;
 * a bigger answer is cut off here, and the folder is read the long way (the listing, then
 * only the texts of the files within the loader's limits).
 */
export const INLINE_FOLDER_MAX_BYTES = 1024 * 1024;
const cappedFetch = createHttpFetch({ maxBytes: INLINE_FOLDER_MAX_BYTES });

const TREE_OID = `query($owner: String!, $repo: String!, $tree: String!) {
  repository(owner: $owner, name: $repo) { tree: object(expression: $tree) { ... on Tree { oid } } }
}`;

interface FolderAnswer {
  repository: {
    commit: { oid: string } | null;
    tree: {
      oid: string;
      entries: Array<{ name: string; path: string; type: string; oid: string; object: { byteSize?: number; isBinary?: boolean; text?: string | null; isTruncated?: boolean } | null }>;
    } | null;
  } | null;
}

/** Blob texts kept, in characters: typical folders hold a few KiB, and any one file at most 256 KiB. */
const BLOB_CACHE_CHARS = 32 * 1024 * 1024;

/** Blob texts by git blob id. Content-addressed, so entries never go stale; bounded in count and in characters. */
type BlobCache = BoundedCache<string, string>;

/** Shared by every installation's port: a blob id names its content, whoever reads it. */
const sharedBlobs: BlobCache = new BoundedCache(5000, BLOB_CACHE_CHARS);

/**
 * The GitHub port over an installation's Octokit (from Probot, so GHE_HOST / GHE_PROTOCOL apply
 * to REST and GraphQL alike). `.governance/` is read with one GraphQL query: the listing with
 * the files' texts, its answer capped at INLINE_FOLDER_MAX_BYTES. A bigger folder is read with
 * the listing alone, then the texts of blobs not seen before that are within the loader's limits.
 */
export function octokitPort(octokit: ProbotOctokit, blobs: BlobCache = sharedBlobs): GitHubPort {
  return {
    ...octokitIssueCalls(octokit),
    ...octokitMarkerSearches(octokit),
    async readGovernanceFolder(repo: RepoRef, ref: string): Promise<GovernanceFolder> {
      const variables = { owner: repo.owner, repo: repo.repo, commit: ref, tree: `${ref}:${GOVERNANCE_DIR}` };
      let answer: FolderAnswer;
      // This read's texts, by blob id: the cache may not keep them all (a folder larger than it).
      const texts = new Map<string, string>();
      try {
        // No retries: an answer cut off at the cap would be cut off again.
        answer = await octokit.graphql<FolderAnswer>(LIST_FOLDER_WITH_TEXTS, { ...variables, request: { fetch: cappedFetch, retries: 0 } });
        for (const e of answer.repository?.tree?.entries ?? []) {
          const text = e.object?.text;
          if (e.type === "blob" && typeof text === "string" && !e.object?.isTruncated && (e.object?.byteSize ?? 0) <= LIMITS.maxFileBytes) texts.set(e.oid, text);
        }
      } catch (err) {
        if (!(err instanceof AnswerTooLarge || (err as { cause?: unknown })?.cause instanceof AnswerTooLarge)) throw err;
        answer = await octokit.graphql<FolderAnswer>(LIST_FOLDER, variables);
      }
      const commit = answer.repository?.commit?.oid;
      if (!commit) throw new Error(`${repo.owner}/${repo.repo} has no ref "${ref}"`);
      const tree = answer.repository?.tree;
      if (!tree?.entries) return { commit, files: [] };
      const entries = tree.entries.filter((e) => e.type === "blob");
      // Binary and oversized files are reported by the loader without their text being fetched.
      for (const e of entries) {
        const known = texts.has(e.oid) ? undefined : blobs.get(e.oid);
        if (known !== undefined) texts.set(e.oid, known);
      }
      const wanted = entries.filter((e) => !e.object?.isBinary && (e.object?.byteSize ?? 0) <= LIMITS.maxFileBytes && !texts.has(e.oid));
      if (wanted.length > 0) await fetchBlobs(octokit, repo, wanted.map((e) => e.oid), texts);
      for (const [oid, text] of texts) blobs.set(oid, text, text.length);
      const files: GovernanceFileBlob[] = entries.map((e) => {
        const text = texts.get(e.oid);
        const file = { path: e.path, oid: e.oid, byteSize: e.object?.byteSize ?? 0 };
        return text === undefined ? file : { ...file, text };
      });
      return { commit, treeOid: tree.oid, files };
    },

    async governanceTreeOid(repo, ref) {
      const answer = await octokit.graphql<{ repository: { tree: { oid?: string } | null } | null }>(TREE_OID, {
        owner: repo.owner,
        repo: repo.repo,
        tree: `${ref}:${GOVERNANCE_DIR}`,
      });
      return answer.repository?.tree?.oid;
    },

    async listPullRequestFiles(repo, number) {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: repo.owner, repo: repo.repo, pull_number: number, per_page: 100 });
      return files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename]));
    },

    async createIssue(repo, issue) {
      const { data } = await octokit.rest.issues.create({
        owner: repo.owner,
        repo: repo.repo,
        title: issue.title,
        body: issue.body,
        ...(issue.labels?.length ? { labels: issue.labels } : {}),
        ...(issue.assignees?.length ? { assignees: issue.assignees } : {}),
      });
      return { number: data.number, url: data.html_url };
    },

    async createComment(repo, issueNumber, body) {
      const { data } = await octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.repo, issue_number: issueNumber, body });
      return { id: data.id, url: data.html_url };
    },

    async getPermission(repo, user) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.repo, username: user });
        // role_name distinguishes maintain and triage, which `permission` folds into write and read.
        const role = (data as { role_name?: string }).role_name;
        const known = ["admin", "maintain", "write", "triage", "read"] as const;
        return (known as readonly string[]).includes(role ?? "") ? (role as (typeof known)[number]) : ((data.permission as (typeof known)[number] | "none") ?? "none");
      } catch (err) {
        if ((err as { status?: number }).status === 404) return "none";
        throw err;
      }
    },

    async isTeamMember(org, teamSlug, user) {
      try {
        const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: teamSlug, username: user });
        return data.state === "active";
      } catch (err) {
        if ((err as { status?: number }).status === 404) return false;
        throw err;
      }
    },

    async getDefaultBranch(repo) {
      const { data } = await octokit.rest.repos.get({ owner: repo.owner, repo: repo.repo });
      return data.default_branch;
    },

    async readDispatchInputs(repo, workflowFile, ref) {
      try {
        const { data } = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.repo, path: `.github/workflows/${workflowFile}`, ref });
        const file = data as { type?: string; content?: string; encoding?: string };
        if (file.type !== "file" || file.encoding !== "base64" || typeof file.content !== "string") return undefined;
        return dispatchInputsOf(Buffer.from(file.content, "base64").toString("utf8"));
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },

    async dispatchWorkflow(repo, workflowFile, ref, inputs) {
      const route = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches";
      const params = { owner: repo.owner, repo: repo.repo, workflow_id: workflowFile, ref, inputs };
      let response: { status: number; data: unknown };
      try {
        response = await octokit.request(route, { ...params, return_run_details: true });
      } catch (err) {
        // GitHub Enterprise Server before 2026-02 does not know the parameter: dispatch without it.
        const status = (err as { status?: number }).status;
        if ((status !== 400 && status !== 422) || !/return_run_details/.test(String((err as Error).message))) throw err;
        response = await octokit.request(route, params);
      }
      const data = (response.status === 200 ? response.data : undefined) as { workflow_run_id?: unknown; html_url?: unknown } | undefined;
      const runId = typeof data?.workflow_run_id === "number" ? data.workflow_run_id : undefined;
      const runUrl = typeof data?.html_url === "string" ? data.html_url : undefined;
      return { ...(runId !== undefined ? { runId } : {}), ...(runUrl ? { runUrl } : {}) };
    },

    async listInstallationRepositories() {
      const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
      return repos.map((r) => ({ id: r.id, owner: r.owner.login, name: r.name, fullName: r.full_name, defaultBranch: r.default_branch, url: r.html_url }));
    },

    async createCheckRun(repo, input: CheckRunInput) {
      const { data } = await octokit.rest.checks.create({
        owner: repo.owner,
        repo: repo.repo,
        name: input.name,
        head_sha: input.headSha,
        status: input.status,
        ...(input.externalId ? { external_id: input.externalId } : {}),
        ...(input.conclusion ? { conclusion: input.conclusion } : {}),
        ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
        ...(input.output ? { output: toOutput(input.output) } : {}),
        ...(input.actions ? { actions: input.actions } : {}),
      });
      return { id: data.id, url: data.html_url ?? "" };
    },

    async updateCheckRun(repo, checkRunId, update: CheckRunUpdate) {
      await octokit.rest.checks.update({
        owner: repo.owner,
        repo: repo.repo,
        check_run_id: checkRunId,
        ...(update.status ? { status: update.status } : {}),
        ...(update.conclusion ? { conclusion: update.conclusion } : {}),
        ...(update.output ? { output: toOutput(update.output) } : {}),
        ...(update.actions ? { actions: update.actions } : {}),
      });
    },
  };
}

/** Reads blob texts by id, up to 50 per query. */
async function fetchBlobs(octokit: ProbotOctokit, repo: RepoRef, oids: string[], texts: Map<string, string>): Promise<void> {
  for (let i = 0; i < oids.length; i += 50) {
    const batch = oids.slice(i, i + 50);
    const vars = batch.map((_, j) => `$o${j}: GitObjectID!`).join(", ");
    const fields = batch.map((_, j) => `b${j}: object(oid: $o${j}) { ... on Blob { text isTruncated } }`).join("\n    ");
    const query = `query($owner: String!, $repo: String!, ${vars}) {\n  repository(owner: $owner, name: $repo) {\n    ${fields}\n  }\n}`;
    const variables: Record<string, string> = { owner: repo.owner, repo: repo.repo };
    batch.forEach((oid, j) => (variables[`o${j}`] = oid));
    const answer = await octokit.graphql<{ repository: Record<string, { text?: string | null; isTruncated?: boolean } | null> | null }>(query, variables);
    batch.forEach((oid, j) => {
      const blob = answer.repository?.[`b${j}`];
      if (blob && typeof blob.text === "string" && !blob.isTruncated) texts.set(oid, blob.text);
    });
  }
}

function toOutput(output: CheckOutput) {
  return {
    title: output.title,
    summary: output.summary,
    ...(output.text !== undefined ? { text: output.text } : {}),
    ...(output.annotations?.length ? { annotations: output.annotations.map(toAnnotation) } : {}),
  };
}

function toAnnotation(a: CheckAnnotation) {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    ...(a.startColumn !== undefined && a.startLine === a.endLine ? { start_column: a.startColumn, end_column: a.endColumn ?? a.startColumn } : {}),
    annotation_level: a.level,
    message: a.message,
    ...(a.title ? { title: a.title } : {}),
  };
}

