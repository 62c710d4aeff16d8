/**
 * The REST API's access rules, in one place: whose role decides for a workflow (an org-wide
 * one's owner, a repository one's repository) and for a run (its repository), and the answers:
 * 404 for what the caller cannot see, whether or not it exists; 403 for what it can see but
 * whose role is too low.
 */
import type { Run } from "../domain/run.js";
import type { CatalogueEntry } from "../domain/stored-workflow.js";
import { atLeast, type Caller, type Role } from "./caller.js";
import type { ApiDeps } from "./router.js";
import { ApiError, notFound } from "./respond.js";

/** What each role may do, in the words a 403 uses. */
const NEEDS: Record<Role, string> = { viewer: "the viewer role", runner: "the runner role (write access)", admin: "the admin role (admin of the repository, owner of the organisation, or an admin API token)" };

/** The caller's role on a catalogue entry: an org-wide workflow's owner, a repository workflow's repository. */
export function roleOnWorkflow(caller: Caller, entry: CatalogueEntry): Promise<Role | undefined> {
  return entry.source === "api" ? caller.ownerRole(entry.workflow.owner) : caller.repositoryRole(entry.workflow.repository);
}

/**
 * The workflow with this id that the caller can see, with the caller's role on it; 404
 * otherwise. With `repository`, a repository workflow of that repository comes first (one id
 * may be declared in several repositories).
 */
export async function visibleWorkflow(deps: ApiDeps, caller: Caller, id: string, repository?: string): Promise<{ entry: CatalogueEntry; role: Role }> {
  if (id.length > 128) throw notFound(`workflow ${JSON.stringify(id.slice(0, 40))}…`);
  const stored = await deps.store.getStoredWorkflow(id);
  // Both sources, whatever the other holds: ids are not unique across them (a repository
  // workflow's id is derived from public facts), so an org-wide workflow of one account must
  // not hide another account's repository workflow with the same id.
  const candidates: CatalogueEntry[] = [
    ...(stored ? [{ source: "api" as const, workflow: stored }] : []),
    ...(await deps.store.findRepositoryWorkflows(id)).map((w) => ({ source: "repository" as const, workflow: w })),
  ];
  const preferred = repository?.toLowerCase();
  if (preferred !== undefined) candidates.sort((a, b) => Number(inRepository(b, preferred)) - Number(inRepository(a, preferred)));
  for (const entry of candidates) {
    const role = await roleOnWorkflow(caller, entry);
    if (atLeast(role, "viewer")) return { entry, role: role! };
  }
  throw notFound(`workflow ${JSON.stringify(id)}`);
}

/** The run the caller can see, with the caller's role on its repository; 404 otherwise. */
export async function visibleRun(deps: ApiDeps, caller: Caller, runId: string): Promise<{ run: Run | undefined; repository: string; role: Role }> {
  const run = runId.length <= 64 ? await deps.store.getRun(runId) : undefined;
  // A run asked for through the API that the engine has not made yet is known by its delivery.
  const queued = run ? undefined : runId.length <= 64 ? await deps.store.getDelivery(apiRunDeliveryId(runId)) : undefined;
  const repository = run?.repository ?? queued?.repository.fullName;
  const role = repository === undefined ? undefined : await caller.repositoryRole(repository);
  if (repository === undefined || !atLeast(role, "viewer")) throw notFound(`run ${JSON.stringify(runId.slice(0, 64))}`);
  return { run, repository, role: role! };
}

/** 403 unless `role` is at least `needed`. */
export function requireRole(role: Role, needed: Role, what: string): void {
  if (!atLeast(role, needed)) throw new ApiError(403, `${what} needs ${NEEDS[needed]}; you have the ${role} role`);
}

/** The id of the delivery a run started through the API is recorded under (a run's id names it). */
export function apiRunDeliveryId(runId: string): string {
  return `api-run-${runId}`;
}

function inRepository(entry: CatalogueEntry, repository: string): boolean {
  return entry.source === "repository" && entry.workflow.repository.toLowerCase() === repository;
}
