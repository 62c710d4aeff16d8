/**
 * The Store on PostgreSQL: openPgStore (parse the postgres:// URL, open the pool, migrate, construct)
 * and PgStore, which adds to PgStoreCore (deliveries, effects, runs, the job queue: pg-store-core.ts)
 * the parts it hands on, as SqliteStore does: the schedule index and the installation index
 * (PgSchedules), remediation tasks (PgTasks), the workflow catalogue (PgCatalogue), retention and
 * health (PgRetention). Each is constructed with the store's PgTransactions and clock.
 */
import type { RepositoryInfo } from "../domain/events.js";
import type { Clock, Schedule, ScheduleEntry, Store, TaskFilter, TaskLookup, TaskUpdateResult } from "../domain/ports.js";
import type { AddVersionResult, CatalogueFilter, CataloguePage, CreateWorkflowResult, NewWorkflowVersion, RepositoryWorkflow, StoredWorkflow, StoredWorkflowVersion } from "../domain/stored-workflow.js";
import type { NewRemediationTask, RelatedFinding, RelatedFindingOutcome, RemediationTask, TaskPatch } from "../domain/task.js";
import { PgCatalogue } from "./pg-catalogue.js";
import type { PostgresDatabase } from "./pg-connection.js";
import { PgPresence } from "./pg-presence.js";
import { PgRetention } from "./pg-retention.js";
import { PgSchedules } from "./pg-schedules.js";
import { openMigratedPostgres, PgStoreCore, systemClock, type PgStoreOptions } from "./pg-store-core.js";
import { PgTasks } from "./pg-tasks.js";

export type { PgStoreOptions } from "./pg-store-core.js";

/** Opens the PostgreSQL database a postgres:// URL names, creating its schema and migrating it as needed. */
export async function openPgStore(databaseUrl: string, options: PgStoreOptions = {}): Promise<PgStore> {
  const database = await openMigratedPostgres(databaseUrl, options);
  return new PgStore(database, options.clock ?? systemClock);
}

/** The Store on PostgreSQL (see PgStoreCore for the transactions and the write lock). */
export class PgStore extends PgStoreCore implements Store {
  readonly #schedules: PgSchedules;
  readonly #tasks: PgTasks;
  readonly #catalogue: PgCatalogue;
  readonly #retention: PgRetention;
  readonly #presence: PgPresence;

  constructor(database: PostgresDatabase, clock: Clock = systemClock) {
    super(database, clock);
    this.#presence = new PgPresence(this.tx, clock);
    this.#schedules = new PgSchedules(this.tx, clock);
    this.#tasks = new PgTasks(this.tx, clock);
    this.#catalogue = new PgCatalogue(this.tx, clock);
    this.#retention = new PgRetention(this.tx, clock);
  }

  // Which workers are alive: see PgPresence.
  beat(workerId: string, now: Date): Promise<void> {
    return this.#presence.beat(workerId, now);
  }
  leave(workerId: string): Promise<void> {
    return this.#presence.leave(workerId);
  }
  liveWorkers(since: Date): Promise<number> {
    return this.#presence.liveWorkers(since);
  }

  // The schedule index and the installation index: see PgSchedules.
  markInstallationIndexed(installationId: number, at: Date): Promise<void> {
    return this.#schedules.markInstallationIndexed(installationId, at);
  }
  unindexedInstallations(installationIds: number[]): Promise<number[]> {
    return this.#schedules.unindexedInstallations(installationIds);
  }
  replaceSchedules(repository: RepositoryInfo, installationId: number, entries: ScheduleEntry[], now: Date): Promise<void> {
    return this.#schedules.replaceSchedules(repository, installationId, entries, now);
  }
  removeSchedules(repository: string): Promise<number> {
    return this.#schedules.removeSchedules(repository);
  }
  removeInstallationSchedules(installationId: number): Promise<number> {
    return this.#schedules.removeInstallationSchedules(installationId);
  }
  listSchedules(repository?: string): Promise<Schedule[]> {
    return this.#schedules.listSchedules(repository);
  }
  dueSchedules(now: Date, limit?: number): Promise<Schedule[]> {
    return this.#schedules.dueSchedules(now, limit);
  }
  nextScheduleDue(): Promise<Date | undefined> {
    return this.#schedules.nextScheduleDue();
  }
  markScheduleFired(id: string, tick: Date, nextDueAt: Date | undefined): Promise<boolean> {
    return this.#schedules.markScheduleFired(id, tick, nextDueAt);
  }
  deferSchedule(id: string, lastTickAt: string | undefined, nextDueAt: Date | undefined): Promise<boolean> {
    return this.#schedules.deferSchedule(id, lastTickAt, nextDueAt);
  }
  // Remediation tasks: see PgTasks.
  createTask(task: NewRemediationTask): Promise<{ task: RemediationTask; created: boolean }> {
    return this.#tasks.createTask(task);
  }
  getTask(id: string): Promise<RemediationTask | undefined> {
    return this.#tasks.getTask(id);
  }
  findTask(by: TaskLookup): Promise<RemediationTask | undefined> {
    return this.#tasks.findTask(by);
  }
  updateTask(id: string, version: number, patch: TaskPatch): Promise<TaskUpdateResult> {
    return this.#tasks.updateTask(id, version, patch);
  }
  addRelatedFinding(id: string, finding: RelatedFinding): Promise<{ task: RemediationTask; outcome: RelatedFindingOutcome } | undefined> {
    return this.#tasks.addRelatedFinding(id, finding);
  }
  listTasks(filter?: TaskFilter): Promise<RemediationTask[]> {
    return this.#tasks.listTasks(filter);
  }
  // The workflow catalogue: see PgCatalogue.
  createWorkflow(workflow: { id: string; owner: string; installationId?: number }, first: NewWorkflowVersion): Promise<CreateWorkflowResult> {
    return this.#catalogue.createWorkflow(workflow, first);
  }
  addWorkflowVersion(id: string, overSeq: number, next: NewWorkflowVersion): Promise<AddVersionResult> {
    return this.#catalogue.addWorkflowVersion(id, overSeq, next);
  }
  getStoredWorkflow(id: string): Promise<StoredWorkflow | undefined> {
    return this.#catalogue.getStoredWorkflow(id);
  }
  getWorkflowVersion(id: string, version?: string): Promise<StoredWorkflowVersion | undefined> {
    return this.#catalogue.getWorkflowVersion(id, version);
  }
  listWorkflowVersions(id: string): Promise<StoredWorkflowVersion[]> {
    return this.#catalogue.listWorkflowVersions(id);
  }
  latestWorkflowsOf(owner: string): Promise<StoredWorkflowVersion[]> {
    return this.#catalogue.latestWorkflowsOf(owner);
  }
  replaceRepositoryWorkflows(repository: string, installationId: number, entries: RepositoryWorkflow[]): Promise<void> {
    return this.#catalogue.replaceRepositoryWorkflows(repository, installationId, entries);
  }
  findRepositoryWorkflows(id: string): Promise<RepositoryWorkflow[]> {
    return this.#catalogue.findRepositoryWorkflows(id);
  }
  listCatalogue(filter?: CatalogueFilter): Promise<CataloguePage> {
    return this.#catalogue.listCatalogue(filter);
  }
  // Retention and health: see PgRetention.
  pruneJobs(finishedBefore: Date, limit: number): Promise<number> {
    return this.#retention.pruneJobs(finishedBefore, limit);
  }
  pruneDeliveryPayloads(receivedBefore: Date, limit: number): Promise<number> {
    return this.#retention.pruneDeliveryPayloads(receivedBefore, limit);
  }
  pruneRunLogs(finishedBefore: Date, limit: number): Promise<number> {
    return this.#retention.pruneRunLogs(finishedBefore, limit);
  }
  ping(): Promise<void> {
    return this.#retention.ping();
  }
  migrationsApplied(): Promise<boolean> {
    return this.#retention.migrationsApplied();
  }
}
