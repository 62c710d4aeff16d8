/**
 * The store port: durable state (deliveries, runs and their logs, side-effect records, jobs,
 * schedules) behind one interface, so the engine never knows the database. store/ implements it
 * over SQLite; the contract suite in test/store/ says what any implementation must do.
 */
import type { Delivery, RepositoryInfo } from "./events.js";
import type { LogEntry, Run, RunStatus } from "./run.js";
import type { CatalogueStore } from "./catalogue-port.js";
import type { StoreFigures } from "./figures-port.js";
import type { PresenceStore } from "./presence-port.js";
import type { RetentionStore } from "./retention-port.js";
import type { NewRemediationTask, RelatedFinding, RelatedFindingOutcome, RemediationTask, TaskPatch, TaskStatus } from "./task.js";

/** A side effect's idempotency record: claimed before the effect, completed after it. */
export interface EffectRecord {
  key: string;
  kind: string;
  status: "claimed" | "done";
  claimedAt: string;
  result?: Record<string, unknown>;
}

export interface Job {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  /** Attempts so far, this one included. */
  attempts: number;
  /** Attempts this job gets before it is given up. */
  maxAttempts: number;
  runAt: string;
  /** The installation whose work this is (fairness is per installation). */
  installationId?: number;
}

/** Order of service: lower first. Deliveries and runs come before maintenance. */
export const JOB_PRIORITY = { engine: 0, maintenance: 1 } as const;

export interface NewJob {
  type: string;
  payload: Record<string, unknown>;
  /** When to run it (default: now). */
  runAt?: Date;
  /** At most one job with a key is enqueued, for as long as the job is kept (a finished one is pruned after 7 days: see engine/retention.ts). */
  key?: string;
  /** The installation whose work this is: jobs are served fairly across installations. */
  installationId?: number;
  /** JOB_PRIORITY.engine (default) or JOB_PRIORITY.maintenance. */
  priority?: number;
  /** Jobs with one concurrency key never run at the same time (a run's jobs: its id). */
  concurrencyKey?: string;
  /** Attempts before the job is given up (default 5). */
  maxAttempts?: number;
}

/** What a run's single writer commits besides the run's new state. */
export interface RunCommitExtras {
  /** Log lines to append. */
  log?: LogEntry[];
  /** Jobs to enqueue in the same transaction (a continuation, a timer). */
  jobs?: NewJob[];
  /** Side effects made since the last commit, recorded done in the same transaction. */
  effects?: EffectDone[];
}

/** A side effect that was made, with what it made (an issue's number and URL, a check run's id). */
export interface EffectDone {
  key: string;
  kind: string;
  result: Record<string, unknown>;
}

/**
 * Where a run's side effects are recorded: with the run's next commit, not each in a
 * transaction of its own. An effect made and not yet committed when the process dies is found
 * again the way an interrupted one always was (by its marker on GitHub, or sent again).
 */
export interface EffectLedger {
  /**
   * Nothing can have been made under these keys before: the step's attempt is this execution's
   * own, committed "running" a moment ago. Then no claim is needed before the effect.
   */
  fresh: boolean;
  /**
   * An earlier execution may have made these effects without claiming them first (a fresh
   * attempt that died before its commit): a missing claim does not mean nothing was made.
   */
  maybeMade: boolean;
  /** When the attempt began: where a search for an effect it made starts. */
  since: Date;
  /** Records an effect made; it is written with the run's next commit. */
  done(effect: EffectDone): void;
}

/** A commit's outcome: the run's new version, or a conflict (another writer moved it on; reload and replay). */
export type RunCommitResult = { committed: true; version: number } | { committed: false; storedVersion: number | undefined };

/** A waiting step's entry in the wait index: what a signal looks runs up by. */
export interface WaitQuery {
  repository: string;
  /** approval, issueClosed, alertResolved, checkCompleted. */
  event: string;
  /** Any of these targets (an approval's `#<issue>`, an issue `owner/repo#n`, a fingerprint, `name@sha`). */
  targets: string[];
}

export interface RunFilter {
  repository?: string;
  workflowId?: string;
  status?: RunStatus;
  limit?: number;
  /** Only runs older than this one (newest first is by createdAt, then id): the next page after it. */
  before?: { createdAt: string; id: string };
  /** Leave the runs' logs out (`log: []`): a listing that shows none need not read them. */
  withoutLog?: boolean;
}

/** How a task is found again: by its finding's fingerprint, by its step's idempotency key, or by its issue (`owner/name`, any case). */
export type TaskLookup = { fingerprint: string } | { key: string } | { repository: string; issueNumber: number };

export interface TaskFilter {
  /** The repository its issue lives in (`owner/name`, any case). */
  repository?: string;
  status?: TaskStatus;
  /** At most this many (default 50, at most 500). */
  limit?: number;
}

/** An update's outcome: the task as written, or a conflict (or no such task) with the task as stored now, to reread and retry. */
export type TaskUpdateResult = { updated: true; task: RemediationTask } | { updated: false; task: RemediationTask | undefined };

/** A running job and the worker that holds its lease. */
export interface JobHolder {
  jobId: string;
  workerId: string;
}

/** Durable state: deliveries, runs and their logs, side-effect records, jobs, tasks, schedules, and the workflow catalogue. */
export interface Store extends CatalogueStore, RetentionStore, StoreFigures, PresenceStore {
  /**
   * Records a delivery and enqueues a job to process it, in one transaction. Returns false,
   * and changes nothing, when a delivery with the same id was recorded before.
   * `payloadText` is the payload's JSON exactly as received (the signed body): stored as it
   * is, it need not be serialised again.
   */
  acceptDelivery(delivery: Delivery, options?: { payloadText?: string }): Promise<boolean>;
  getDelivery(id: string): Promise<Delivery | undefined>;

  /**
   * Stores a new run (version 1) unless one with the same dedupeKey exists; returns the stored
   * run. With `heldBy`, a run it creates is handed to that running job in the same transaction:
   * the job takes the run's concurrency key (no job of the run is claimed while it holds its
   * lease), and `held` says whether it did (false when the job's lease is no longer its worker's).
   */
  createRun(run: Run, options?: { heldBy?: JobHolder }): Promise<{ run: Run; created: boolean; held?: boolean }>;
  /** A run with its version and log. */
  getRun(id: string): Promise<Run | undefined>;
  /**
   * The one way a run changes: its new state (status, times, steps, check run id, cancel
   * request), its new log lines, its wait index entries (derived from its waiting steps) and
   * the jobs it schedules, in one transaction, only if the stored version is still `run.version`.
   * Otherwise nothing is written and the caller reloads and replays.
   */
  commitRun(run: Run, extras?: RunCommitExtras): Promise<RunCommitResult>;
  /** Ids of the unfinished runs with a waiting step that matches (one indexed query). */
  findWaitingRuns(query: WaitQuery): Promise<string[]>;
  listRuns(filter?: RunFilter): Promise<Run[]>;

  /** Inserts a claimed effect record, or returns the one already there. */
  claimEffect(key: string, kind: string, now: Date): Promise<{ record: EffectRecord; claimed: boolean }>;
  completeEffect(key: string, result: Record<string, unknown>): Promise<void>;
  /** Drops a claim that was never completed: the effect was not made (GitHub said "not now"), so the next try claims afresh. */
  releaseEffect(key: string): Promise<void>;
  /** Records effects done (claimed or not), in one transaction: a ledger whose commit could not be made. */
  recordEffects(effects: EffectDone[], now: Date): Promise<void>;

  enqueue(job: NewJob): Promise<boolean>;
  /**
   * Takes the next job for `leaseMs`: a job whose lease ran out first (its worker is gone), then
   * the most deserving due job: by priority, then fairly across installations (an installation
   * with a backlog never delays another's first job), skipping jobs whose concurrency key is
   * held by a running job.
   */
  claimJob(workerId: string, now: Date, leaseMs: number): Promise<Job | undefined>;
  /** Takes up to `limit` jobs at once, in the order claimJob would take them one by one. */
  claimJobs(workerId: string, now: Date, leaseMs: number, limit: number): Promise<Job[]>;
  /** Extends the leases `workerId` still holds; returns the ids it holds (a job not returned was lost). */
  renewLeases(workerId: string, jobIds: string[], lockedUntil: Date): Promise<string[]>;
  /** Marks a job done, only while `workerId` holds it; false when it does not (the lease was lost). */
  completeJob(id: string, workerId: string): Promise<boolean>;
  /** Records a failure, only while `workerId` holds it: the job runs again at `retryAt`, or is given up when that is undefined. */
  failJob(id: string, workerId: string, error: string, retryAt?: Date): Promise<boolean>;
  /** The workers that hold running jobs now. */
  leaseHolders(): Promise<string[]>;
  /** Puts the running jobs of workers that are gone back in the queue at once; returns how many. */
  releaseLeases(workerIds: string[]): Promise<number>;

  /** Records that an installation's schedules were indexed (the index persists across restarts). */
  markInstallationIndexed(installationId: number, at: Date): Promise<void>;
  /** Of these installations, the ones never indexed. */
  unindexedInstallations(installationIds: number[]): Promise<number[]>;

  /**
   * Stores a new task (version 1) unless one with its fingerprint, or its key, exists: then the
   * stored one comes back (the one with the fingerprint first, else the one with the key),
   * `created: false`, and nothing changes. Of concurrent creators with one fingerprint or key,
   * exactly one creates; all get the same task. A task that breaks TASK_LIMITS or is not
   * well formed (times, status, a fingerprint listed twice) is refused with InvalidTaskError,
   * and nothing is stored.
   */
  createTask(task: NewRemediationTask): Promise<{ task: RemediationTask; created: boolean }>;
  /** A task by id. */
  getTask(id: string): Promise<RemediationTask | undefined>;
  /** A task by its fingerprint, its key, or its issue. */
  findTask(by: TaskLookup): Promise<RemediationTask | undefined>;
  /**
   * Applies `patch` to the task, only if its stored version is still `version`, and bumps the
   * version. Otherwise nothing is written and the stored task comes back (reread and retry).
   * The patched task is checked as createTask checks a new one (InvalidTaskError, nothing
   * written); an issue already tracking another task is refused too.
   */
  updateTask(id: string, version: number, patch: TaskPatch): Promise<TaskUpdateResult>;
  /**
   * Adds a finding to the task's related findings, atomically (no version needed): `added`
   * bumps the version; `present` (its fingerprint is listed) and `full` change nothing.
   * Undefined when there is no such task.
   */
  addRelatedFinding(id: string, finding: RelatedFinding): Promise<{ task: RemediationTask; outcome: RelatedFindingOutcome } | undefined>;
  /** Tasks newest first (by creation, then id), filtered, at most `limit`. */
  listTasks(filter?: TaskFilter): Promise<RemediationTask[]>;

  close(): Promise<void>;

  /**
   * Makes `entries` the repository's schedules, in one transaction. An entry that was there with
   * the same cron and time zone keeps its last tick and due time (a refresh never fires again
   * nor forgets); a new or changed one starts at `now`, so it never fires for earlier ticks.
   * Rows of the same repository id under another name (a rename) go.
   */
  replaceSchedules(repository: RepositoryInfo, installationId: number, entries: ScheduleEntry[], now: Date): Promise<void>;
  /** Drops a repository's schedules (by full name); returns how many. */
  removeSchedules(repository: string): Promise<number>;
  /** Drops every schedule of an installation; returns how many. */
  removeInstallationSchedules(installationId: number): Promise<number>;
  /** Schedules ordered by repository, workflow path and trigger index. */
  listSchedules(repository?: string): Promise<Schedule[]>;
  /** Schedules whose next tick is due at `now`, earliest first (at most `limit`, default 100). */
  dueSchedules(now: Date, limit?: number): Promise<Schedule[]>;
  /** When the earliest schedule is next due, if any is. */
  nextScheduleDue(): Promise<Date | undefined>;
  /**
   * Records that `tick` fired and when the next one is due. Compare-and-set: only a tick later
   * than the recorded one is written, so of several replicas firing one tick exactly one wins.
   */
  markScheduleFired(id: string, tick: Date, nextDueAt: Date | undefined): Promise<boolean>;
  /** Moves a schedule's due time without firing (undefined parks it); only while its last tick is still `lastTickAt`. */
  deferSchedule(id: string, lastTickAt: string | undefined, nextDueAt: Date | undefined): Promise<boolean>;
}

/** One onSchedule trigger of a workflow on a repository's default branch, as the schedule index finds it. */
export interface ScheduleEntry {
  workflowPath: string;
  /** The trigger's index in the workflow's `triggers`. */
  triggerIndex: number;
  cron: string;
  /** An IANA name; "UTC" when the trigger names none. */
  timezone: string;
  /** The first tick after now: when a new (or changed) entry is first due. Undefined: never. */
  nextDueAt?: Date;
}

/** A stored schedule. Times are ISO-8601 UTC strings. */
export interface Schedule extends Omit<ScheduleEntry, "nextDueAt"> {
  id: string;
  repository: RepositoryInfo;
  installationId: number;
  createdAt: string;
  /** The tick last fired; for a schedule that never fired, when it became known. */
  lastTickAt?: string;
  /** When the next tick is due; absent when the pattern never fires again. */
  nextDueAt?: string;
}
