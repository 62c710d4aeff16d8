/**
 * The workflow catalogue's data model: org-wide workflows kept in the store (created through the
 * API or `governance import`) with their immutable versions, and the read-only entries of the
 * workflows last read from repositories' default branches. What the API lists and serves.
 */
import type { Workflow } from "./workflow.js";

/** The text formats a stored workflow's source may have. */
export const WORKFLOW_FORMATS = ["yaml", "json"] as const;
export type WorkflowFormat = (typeof WORKFLOW_FORMATS)[number];

/**
 * An org-wide workflow: it belongs to one account (an organisation or a user, `owner`) and
 * applies to the repositories of that account its `repositories` filter names (names or globs).
 * Every update makes a new immutable version; the record itself says which one is the latest.
 * Times are ISO-8601 UTC strings.
 */
export interface StoredWorkflow {
  id: string;
  /** The account's login, as it was given (owners compare case-insensitively). */
  owner: string;
  /** The account's installation of the app, when it was known at creation. */
  installationId?: number;
  /** The latest version's name and semver. */
  name: string;
  version: string;
  /** The latest version's filter. */
  repositories: string[];
  /** How many versions there are (1 for a new workflow). */
  versions: number;
  createdAt: string;
  updatedAt: string;
}

/** One immutable version of an org-wide workflow. */
export interface StoredWorkflowVersion {
  workflowId: string;
  /** 1 for the first version, then 2, 3, … in the order they were made. */
  seq: number;
  /** The semver the document declares: each version's is greater than the one before. */
  version: string;
  /** The document as validated (with its `id`, `owner` and `repositories`). */
  definition: Workflow;
  /** The document's text as it was stored (always holding its `id`): what `governance export` writes. */
  source: string;
  format: WorkflowFormat;
  repositories: string[];
  createdAt: string;
  /** Who made it: a GitHub login, `token:<name>` for an operator API token, `import` for the CLI. */
  createdBy: string;
}

/** A new org-wide workflow's first version, or an update's new one. */
export interface NewWorkflowVersion {
  version: string;
  name: string;
  definition: Workflow;
  source: string;
  format: WorkflowFormat;
  repositories: string[];
  createdBy: string;
  createdAt: string;
}

/** A workflow as last read from a repository's default branch: listed by the API, read-only there. */
export interface RepositoryWorkflow {
  id: string;
  /** `owner/name`. */
  repository: string;
  installationId: number;
  /** Its file in `.governance/`. */
  path: string;
  /** The default branch's commit it was read at. */
  commit: string;
  name: string;
  version: string;
  definition: Workflow;
  /** When it was read. */
  seenAt: string;
}

/** A workflow of the catalogue, whichever its source: what the API lists. */
export type CatalogueEntry =
  | { source: "api"; workflow: StoredWorkflow }
  | { source: "repository"; workflow: RepositoryWorkflow };

/** The catalogue's list filters; all optional, combined with "and". */
export interface CatalogueFilter {
  /** Only workflows whose (latest) name is exactly this (any case). */
  name?: string;
  /** Only workflows whose (latest) version is exactly this. */
  version?: string;
  /** Only workflows of these accounts (any case): what the caller may see. Absent: every account. */
  owners?: string[];
  /** Only workflows of this installation. */
  installationId?: number;
  /** Only org-wide or only repository workflows. */
  source?: "api" | "repository";
  /** The `next` of the page before: entries after it. */
  cursor?: string;
  /** At most this many (default 50, at most 200). */
  limit?: number;
}

/** A page of the catalogue, ordered by id; `next` is absent on the last page. */
export interface CataloguePage {
  entries: CatalogueEntry[];
  next?: string;
}

/** An update's outcome: the new version, or why none was written (nothing is written then). */
export type AddVersionResult =
  | { added: true; workflow: StoredWorkflow; version: StoredWorkflowVersion }
  /** Another update came first: the latest version is no longer the one the update was made over. */
  | { added: false; reason: "conflict"; workflow: StoredWorkflow }
  /** The semver is not greater than the latest one's. */
  | { added: false; reason: "versionNotGreater"; workflow: StoredWorkflow }
  /** Another workflow of the owner has that name. */
  | { added: false; reason: "nameTaken"; workflow: StoredWorkflow }
  | { added: false; reason: "notFound" };

/** A creation's outcome. */
export type CreateWorkflowResult =
  | { created: true; workflow: StoredWorkflow; version: StoredWorkflowVersion }
  /** A workflow with this id exists (any owner), or the owner has one with this name. */
  | { created: false; reason: "idTaken" | "nameTaken"; existing: StoredWorkflow };

/** The longest `repositories` filter, and its entries. */
export const REPOSITORY_FILTER_LIMITS = { entries: 100, chars: 200 } as const;

/** What an org-wide workflow's runs record as their workflow's path: `org-wide:<owner>/<id>` (a repository file's is `.governance/…`). */
export function orgWidePath(owner: string, id: string): string {
  return `${ORG_WIDE_PREFIX}${owner}/${id}`;
}

/** The owner and id an org-wide workflow's path (orgWidePath) names; undefined for a repository file's path. */
export function parseOrgWidePath(path: string): { owner: string; id: string } | undefined {
  if (!path.startsWith(ORG_WIDE_PREFIX)) return undefined;
  const rest = path.slice(ORG_WIDE_PREFIX.length);
  const slash = rest.indexOf("/");
  return slash <= 0 ? undefined : { owner: rest.slice(0, slash), id: rest.slice(slash + 1) };
}

/** Where a run's workflow came from, in words: `.governance/x.yml@abc1234`, or `acme's org-wide workflow <id>`. */
export function workflowOrigin(run: { workflowPath: string; workflowCommit: string }): string {
  const orgWide = parseOrgWidePath(run.workflowPath);
  return orgWide ? `${orgWide.owner}'s org-wide workflow ${orgWide.id}` : `${run.workflowPath}@${run.workflowCommit.slice(0, 7)}`;
}

const ORG_WIDE_PREFIX = "org-wide:";
