/**
 * The schedule index: the onSchedule triggers of each repository's default-branch workflows,
 * kept in the store for the scheduler. Holds the job handlers that refresh and remove them, and
 * the start-up queueing of installations never indexed.
 */
import { NonRetriableError } from "../domain/errors.js";
import type { RepositoryInfo } from "../domain/events.js";
import { JOB_PRIORITY, type Clock, type GitHubPort, type GitHubPortFactory, type Job, type Logger, type ScheduleEntry, type Store } from "../domain/ports.js";
import { DEFAULT_TIMEZONE, nextTickAfter } from "../triggers/cron.js";
import { orgWideWorkflows } from "./org-wide.js";
import type { StoredWorkflow, StoredWorkflowVersion } from "../domain/stored-workflow.js";
import type { Workflow } from "../domain/workflow.js";
import type { LoadedWorkflow, WorkflowSource } from "./workflow-source.js";

/** The job types of the schedule index (see `handlers/schedule-events.ts` for what enqueues them). */
export const SCHEDULE_JOB_TYPES = {
  refreshInstallation: "refresh-installation-schedules",
  refreshRepository: "refresh-repository-schedules",
  removeInstallation: "remove-installation-schedules",
  removeRepositories: "remove-repository-schedules",
} as const;

export interface ScheduleIndexDeps {
  store: Store;
  source: WorkflowSource;
  clock: Clock;
  log: Logger;
}

/** The onSchedule triggers of some workflows, each due at its first tick after `now`; a trigger that cannot be computed is logged and left out. */
export function scheduleEntries(workflows: LoadedWorkflow[], now: Date, log: Logger): ScheduleEntry[] {
  const entries: ScheduleEntry[] = [];
  for (const { path, workflow } of workflows) {
    workflow.triggers.forEach((trigger, triggerIndex) => {
      if (trigger.type !== "onSchedule") return;
      const { cron } = trigger.config;
      const timezone = trigger.config.timezone ?? DEFAULT_TIMEZONE;
      try {
        entries.push({ workflowPath: path, triggerIndex, cron, timezone, nextDueAt: nextTickAfter(cron, timezone, now) });
      } catch (err) {
        // The validator accepted it, so this means croner and the validator disagree: say so.
        log.warn({ path, triggerIndex, cron, timezone, err }, "onSchedule trigger left out of the schedule index");
      }
    });
  }
  return entries;
}

/**
 * Re-reads a repository's `.governance/` on its default branch and makes its valid workflows'
 * onSchedule triggers the repository's schedules. Returns how many it has.
 */
export async function refreshRepositorySchedules(deps: ScheduleIndexDeps, github: GitHubPort, repository: RepositoryInfo, installationId: number): Promise<number> {
  const repo = { owner: repository.owner, repo: repository.name };
  // Most repositories have no folder: one cheap request says so (and an empty repository,
  // which has no default branch yet, is not an error).
  const tree = await github.governanceTreeOid(repo, repository.defaultBranch);
  const own = tree === undefined ? [] : (await deps.source.load(github, repository, repository.defaultBranch, installationId)).workflows;
  // A folder that is gone leaves nothing in the API's catalogue either (a read reports itself).
  if (tree === undefined) await deps.store.replaceRepositoryWorkflows(repository.fullName, installationId, []);
  // The owner's org-wide workflows that name the repository are scheduled on it too.
  const workflows = [...own, ...(await orgWideWorkflows(deps.store, repository))];
  const now = deps.clock.now();
  const entries = scheduleEntries(workflows, now, deps.log);
  await deps.store.replaceSchedules(repository, installationId, entries, now);
  deps.log.info({ repository: repository.fullName, installationId, schedules: entries.length }, "schedule index refreshed");
  return entries.length;
}

export interface InstallationRefresh {
  repositories: number;
  schedules: number;
  /** Repositories whose refresh failed (logged); their previous schedules stay. */
  failed: RepositoryInfo[];
}

/** Refreshes every repository of an installation, one after another, and drops the schedules of repositories it no longer has. */
export async function refreshInstallationSchedules(deps: ScheduleIndexDeps, github: GitHubPort, installationId: number): Promise<InstallationRefresh> {
  const repositories = await github.listInstallationRepositories();
  const result: InstallationRefresh = { repositories: repositories.length, schedules: 0, failed: [] };
  for (const repository of repositories) {
    try {
      result.schedules += await refreshRepositorySchedules(deps, github, repository, installationId);
    } catch (err) {
      deps.log.warn({ repository: repository.fullName, installationId, err }, "cannot refresh the repository's schedules");
      result.failed.push(repository);
    }
  }
  await pruneInstallationSchedules(deps, installationId, repositories);
  return result;
}

/** Drops the schedules an installation holds for repositories it no longer lists (removed while the app was away). */
async function pruneInstallationSchedules(deps: Pick<ScheduleIndexDeps, "store" | "log">, installationId: number, repositories: RepositoryInfo[]): Promise<void> {
  const listed = new Set(repositories.map((r) => r.fullName));
  const stale = new Set((await deps.store.listSchedules()).filter((s) => s.installationId === installationId && !listed.has(s.repository.fullName)).map((s) => s.repository.fullName));
  for (const name of stale) await deps.store.removeSchedules(name);
  if (stale.size > 0) deps.log.info({ installationId, repositories: [...stale] }, "schedules of repositories the installation no longer has removed");
}

/**
 * The schedule index's job handlers, for the worker. Refreshing an installation fans out one
 * job per repository, so a large installation neither outlives a job lease nor fails whole
 * for one bad repository.
 */
export function scheduleJobs(deps: ScheduleIndexDeps & { githubFor: GitHubPortFactory }): Record<string, (job: Job) => Promise<void>> {
  return {
    async [SCHEDULE_JOB_TYPES.refreshInstallation](job) {
      const installationId = installationOf(job);
      const repositories = await (await deps.githubFor(installationId)).listInstallationRepositories();
      for (const repository of repositories) {
        await deps.store.enqueue({
          type: SCHEDULE_JOB_TYPES.refreshRepository,
          payload: { installationId, repository: { ...repository } },
          runAt: deps.clock.now(),
          installationId,
          priority: JOB_PRIORITY.maintenance,
        });
      }
      await pruneInstallationSchedules(deps, installationId, repositories);
      // The index persists: a restart reads this installation again only when an event says so.
      await deps.store.markInstallationIndexed(installationId, deps.clock.now());
    },

    async [SCHEDULE_JOB_TYPES.refreshRepository](job) {
      const installationId = installationOf(job);
      const github = await deps.githubFor(installationId);
      const repository = await resolveRepository(job.payload.repository, github);
      if ("gone" in repository) {
        // The installation cannot see it any more (removed, deleted, or moved out of reach).
        await deps.store.removeSchedules(repository.gone);
        return;
      }
      await refreshRepositorySchedules(deps, github, repository, installationId);
    },

    async [SCHEDULE_JOB_TYPES.removeInstallation](job) {
      const installationId = installationOf(job);
      let removed = await deps.store.removeInstallationSchedules(installationId);
      for (const name of namesOf(job.payload.repositories)) removed += await deps.store.removeSchedules(name);
      deps.log.info({ installationId, removed }, "installation's schedules removed");
    },

    async [SCHEDULE_JOB_TYPES.removeRepositories](job) {
      for (const name of namesOf(job.payload.repositories)) await deps.store.removeSchedules(name);
    },
  };
}

function installationOf(job: Job): number {
  const id = job.payload.installationId;
  if (typeof id !== "number" || !Number.isInteger(id)) throw new NonRetriableError(`${job.type}: the job has no installation id`);
  return id;
}

function namesOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.includes("/")) : [];
}

/**
 * The full RepositoryInfo of a job's repository. Events such as `installation_repositories`
 * do not carry the default branch: then the installation's listing has it.
 */
async function resolveRepository(value: unknown, github: GitHubPort): Promise<RepositoryInfo | { gone: string }> {
  const given = (value ?? {}) as Partial<RepositoryInfo>;
  if (typeof given.fullName !== "string") throw new NonRetriableError("refresh-repository-schedules: the job names no repository");
  const complete = typeof given.id === "number" && typeof given.owner === "string" && typeof given.name === "string" && typeof given.defaultBranch === "string";
  if (complete) return { url: "", ...given } as RepositoryInfo;
  const found = (await github.listInstallationRepositories()).find((r) => (typeof given.id === "number" ? r.id === given.id : r.fullName === given.fullName));
  return found ?? { gone: given.fullName };
}

/**
 * Queues, as maintenance, a refresh of the schedule index of each of these installations
 * (the app's installations at start) that was never indexed; returns how many. The index
 * persists, so a restart reads no repository of an installation indexed before.
 */
export async function queueUnindexedInstallations(store: Store, installationIds: number[]): Promise<number> {
  const unindexed = await store.unindexedInstallations(installationIds);
  for (const installationId of unindexed) {
    await store.enqueue({ type: SCHEDULE_JOB_TYPES.refreshInstallation, payload: { installationId }, installationId, priority: JOB_PRIORITY.maintenance });
  }
  return unindexed.length;
}

/**
 * After an org-wide workflow was saved: when its schedules may have changed (the new or the
 * previous version has an onSchedule trigger), the schedule index of its installation is
 * refreshed, so its ticks start (or stop) without waiting for an event. Without a known
 * installation, the next refresh of the installation's index picks it up.
 */
export async function refreshSchedulesAfterSave(store: Pick<Store, "enqueue">, saved: { workflow: StoredWorkflow; version: StoredWorkflowVersion }, previous: Workflow | undefined, now: Date): Promise<boolean> {
  const scheduled = (w: Workflow | undefined) => w?.triggers.some((t) => t.type === "onSchedule") ?? false;
  const installationId = saved.workflow.installationId;
  if (installationId === undefined || !(scheduled(saved.version.definition) || scheduled(previous))) return false;
  return store.enqueue({
    type: SCHEDULE_JOB_TYPES.refreshInstallation,
    payload: { installationId },
    runAt: now,
    installationId,
    priority: JOB_PRIORITY.maintenance,
    key: `refreshInstallation:${installationId}:orgWide:${saved.workflow.id}:${saved.version.seq}`,
  });
}
