/**
 * The parts of the Store port that a store hands on whole to the class that holds them (see
 * delegate.ts), as the lists both stores, SQLite and PostgreSQL, bind: each list is checked
 * against its part, so a method added to the port and not to its list does not compile.
 */
import type { CatalogueStore } from "../domain/catalogue-port.js";
import type { StoreFigures } from "../domain/figures-port.js";
import type { PresenceStore } from "../domain/presence-port.js";
import type { RetentionStore } from "../domain/retention-port.js";
import type { Store } from "../domain/store-port.js";
import { methodsOf } from "./delegate.js";

/** The schedule index and the installation index. */
export type ScheduleStore = Pick<Store, "markInstallationIndexed" | "unindexedInstallations" | "replaceSchedules" | "removeSchedules" | "removeInstallationSchedules" | "listSchedules" | "dueSchedules" | "nextScheduleDue" | "markScheduleFired" | "deferSchedule">;
/** Remediation tasks. */
export type TaskStore = Pick<Store, "createTask" | "getTask" | "findTask" | "updateTask" | "addRelatedFinding" | "listTasks">;

/** Every part a store hands on whole. */
export interface HandedOnParts extends CatalogueStore, RetentionStore, StoreFigures, PresenceStore, ScheduleStore, TaskStore {}

export const SCHEDULES = methodsOf<ScheduleStore>()(["markInstallationIndexed", "unindexedInstallations", "replaceSchedules", "removeSchedules", "removeInstallationSchedules", "listSchedules", "dueSchedules", "nextScheduleDue", "markScheduleFired", "deferSchedule"]);
export const TASKS = methodsOf<TaskStore>()(["createTask", "getTask", "findTask", "updateTask", "addRelatedFinding", "listTasks"]);
export const CATALOGUE = methodsOf<CatalogueStore>()(["createWorkflow", "addWorkflowVersion", "getStoredWorkflow", "getWorkflowVersion", "listWorkflowVersions", "latestWorkflowsOf", "replaceRepositoryWorkflows", "findRepositoryWorkflows", "listCatalogue"]);
export const RETENTION = methodsOf<RetentionStore>()(["pruneJobs", "pruneDeliveryPayloads", "pruneRunLogs", "ping", "migrationsApplied"]);
export const FIGURES = methodsOf<StoreFigures>()(["queueFigures", "runCounts"]);
export const PRESENCE = methodsOf<PresenceStore>()(["beat", "leave", "liveWorkers"]);
