/**
 * Which schedule-index jobs a webhook calls for (installations, repositories added or removed,
 * pushes touching `.governance/` on the default branch, renames): pure, keyed by delivery so a
 * redelivery enqueues nothing.
 */
import type { RepositoryInfo } from "../domain/events.js";
import { JOB_PRIORITY, type NewJob } from "../domain/ports.js";
import { SCHEDULE_JOB_TYPES as JOB } from "../engine/schedule-index.js";

/** The webhook events that can change the schedule index. */
export const SCHEDULE_EVENTS = ["installation", "installation_repositories", "push", "repository"] as const;

/** Where workflows live; a push touching a path under it may change schedules. */
const GOVERNANCE_PREFIX = ".governance/";
/** GitHub lists at most this many commits in a push payload (and the files of each commit only in part). */
const PUSH_COMMIT_LIST_LIMIT = 20;
/** More repositories added at once than this: one installation refresh (one listing) beats one listing each. */
const ADDED_ONE_BY_ONE = 5;

/** A repository as the job payloads carry it: RepositoryInfo, or just id and name when the event says no more. */
type RepositoryRef = Partial<RepositoryInfo> & { fullName: string };

/**
 * The schedule-index jobs a webhook calls for: installs and uninstalls, repositories added and
 * removed, pushes to the default branch that touch `.governance/`, repository renames and
 * deletions. Pure. With `deliveryId`, jobs are keyed by it, so a redelivery enqueues nothing.
 */
export function scheduleRefreshJobs(event: string, payload: unknown, deliveryId?: string): NewJob[] {
  const jobs = typeof payload === "object" && payload !== null && !Array.isArray(payload) ? jobsFor(event, payload as Record<string, unknown>) : [];
  return deliveryId === undefined ? jobs : jobs.map((job, i) => ({ ...job, key: `schedules:${deliveryId}:${i}` }));
}

function jobsFor(event: string, p: Record<string, unknown>): NewJob[] {
  const installationId = (p.installation as { id?: unknown } | undefined)?.id;
  if (typeof installationId !== "number") return [];
  const action = p.action;
  switch (event) {
    case "installation":
      if (action === "created" || action === "new_permissions_accepted" || action === "unsuspend") return [refreshInstallation(installationId)];
      // A suspended app may not act: its schedules go, and come back on unsuspend.
      if (action === "deleted" || action === "suspend") return [{ type: JOB.removeInstallation, payload: { installationId, repositories: names(p.repositories) }, installationId, ...MAINTENANCE }];
      return [];
    case "installation_repositories": {
      const removed = names(p.repositories_removed);
      const added = refs(p.repositories_added);
      const jobs: NewJob[] = removed.length > 0 ? [removeRepositories(installationId, removed)] : [];
      if (added.length > ADDED_ONE_BY_ONE) return [...jobs, refreshInstallation(installationId)];
      return [...jobs, ...added.map((repository) => refreshRepository(installationId, repository))];
    }
    case "push":
      return pushChangesSchedules(p) ? repositoryJobs(installationId, p.repository, (r) => [refreshRepository(installationId, r)]) : [];
    case "repository":
      return repositoryEventJobs(installationId, p);
    default:
      return [];
  }
}

/** Whether a push may have changed the default branch's workflows. */
function pushChangesSchedules(p: Record<string, unknown>): boolean {
  const repository = p.repository as { default_branch?: unknown } | undefined;
  if (typeof repository?.default_branch !== "string" || p.ref !== `refs/heads/${repository.default_branch}`) return false;
  if (p.deleted === true) return false;
  // A new or rewritten branch: the commit list does not say what changed against the index.
  if (p.created === true || p.forced === true) return true;
  const commits = Array.isArray(p.commits) ? (p.commits as unknown[]) : [];
  // Listed in part, or not at all (a branch moved to commits already known): read the folder.
  if (commits.length === 0 || commits.length >= PUSH_COMMIT_LIST_LIMIT) return true;
  return commits.some((c) => {
    // A commit that is not an object says nothing of what changed: read the folder.
    if (typeof c !== "object" || c === null) return true;
    const { added, modified, removed } = c as Record<string, unknown>;
    const lists = [added, modified, removed];
    if (lists.some((l) => !Array.isArray(l))) return true;
    return lists.some((l) => (l as unknown[]).some((path) => typeof path === "string" && path.startsWith(GOVERNANCE_PREFIX)));
  });
}

/** Renames, transfers, deletions and default-branch changes: the index is keyed by name and reads the default branch. */
function repositoryEventJobs(installationId: number, p: Record<string, unknown>): NewJob[] {
  switch (p.action) {
    case "deleted":
    case "archived":
      return repositoryJobs(installationId, p.repository, (r) => [removeRepositories(installationId, [r.fullName])]);
    case "unarchived":
    case "renamed":
    case "transferred":
      // Refreshing under the new name also drops the rows under the old one (same repository id).
      return repositoryJobs(installationId, p.repository, (r) => [refreshRepository(installationId, r)]);
    case "edited": {
      const changes = p.changes;
      return typeof changes === "object" && changes !== null && Object.hasOwn(changes, "default_branch") ? repositoryJobs(installationId, p.repository, (r) => [refreshRepository(installationId, r)]) : [];
    }
    default:
      return [];
  }
}

/** Schedule index work is maintenance: deliveries and runs go first. */
const MAINTENANCE = { priority: JOB_PRIORITY.maintenance } as const;

function refreshInstallation(installationId: number): NewJob {
  return { type: JOB.refreshInstallation, payload: { installationId }, installationId, ...MAINTENANCE };
}

function refreshRepository(installationId: number, repository: RepositoryRef): NewJob {
  return { type: JOB.refreshRepository, payload: { installationId, repository }, installationId, ...MAINTENANCE };
}

function removeRepositories(installationId: number, repositories: string[]): NewJob {
  return { type: JOB.removeRepositories, payload: { installationId, repositories }, installationId, ...MAINTENANCE };
}

function repositoryJobs(installationId: number, value: unknown, make: (repository: RepositoryRef) => NewJob[]): NewJob[] {
  const repository = refs([value])[0];
  return repository ? make(repository) : [];
}

/** Repositories of a payload list (or a payload's `repository`): what they say of id, owner, name, default branch and URL. */
function refs(value: unknown): RepositoryRef[] {
  if (!Array.isArray(value)) return [];
  const out: RepositoryRef[] = [];
  for (const item of value as Array<Record<string, unknown> | null>) {
    const fullName = item?.full_name;
    if (typeof fullName !== "string" || !fullName.includes("/")) continue;
    const [ownerFromName, ...rest] = fullName.split("/");
    const owner = (item!.owner as { login?: unknown } | undefined)?.login;
    const ref: RepositoryRef = { fullName, owner: typeof owner === "string" ? owner : ownerFromName!, name: typeof item!.name === "string" ? item!.name : rest.join("/") };
    if (typeof item!.id === "number") ref.id = item!.id;
    if (typeof item!.default_branch === "string") ref.defaultBranch = item!.default_branch;
    if (typeof item!.html_url === "string") ref.url = item!.html_url;
    out.push(ref);
  }
  return out;
}

function names(value: unknown): string[] {
  return refs(value).map((r) => r.fullName);
}
