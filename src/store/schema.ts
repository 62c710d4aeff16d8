/**
 * The store's table types for Kysely, one interface per table, used by every statement module
 * and backend. Rule: columns are snake_case, JSON is TEXT, times are ISO-8601 UTC strings.
 */
import type { Generated, Kysely } from "kysely";

/**
 * The tables, as Kysely sees them: snake_case columns, JSON as TEXT, times as ISO-8601 UTC
 * strings. Shared by every backend, so the query builders in `queries.ts` type-check once.
 */
export interface Tables {
  deliveries: DeliveriesTable;
  runs: RunsTable;
  run_logs: RunLogsTable;
  effects: EffectsTable;
  jobs: JobsTable;
  schedules: SchedulesTable;
  run_waits: RunWaitsTable;
  queue_state: QueueStateTable;
  installation_queues: InstallationQueuesTable;
  installation_index: InstallationIndexTable;
  tasks: TasksTable;
  stored_workflows: StoredWorkflowsTable;
  stored_workflow_versions: StoredWorkflowVersionsTable;
  repository_workflows: RepositoryWorkflowsTable;
  worker_presence: WorkerPresenceTable;
}

/** A worker's last heartbeat (migration 0009). */
export interface WorkerPresenceTable {
  worker_id: string;
  seen_at: string;
}

/** The database as the statement modules (`queries.ts`, `job-queries.ts`, `schedule-queries.ts`, `task-queries.ts`, `catalogue-queries.ts`) build on it. */
export type Db = Kysely<Tables>;

export interface DeliveriesTable {
  /** The X-GitHub-Delivery header. */
  id: string;
  event: string;
  action: string | null;
  installation_id: number;
  /** The repository's full name (`owner/name`), for look-ups without parsing JSON. */
  repository: string;
  payload: string;
  triggers: string;
  repository_info: string;
  received_at: string;
  /** When retention replaced the payload with the pruned marker (migration 0008); NULL while it is kept. */
  payload_pruned_at: string | null;
}

export interface RunsTable {
  id: string;
  dedupe_key: string;
  workflow_id: string;
  workflow_name: string;
  workflow_version: string;
  workflow_path: string;
  workflow_commit: string;
  /** The workflow definition (JSON) the run executes: fixed when the run is created. */
  definition: string;
  installation_id: number;
  repository: string;
  delivery_id: string;
  trigger_index: number;
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  current_step_id: string | null;
  head_sha: string | null;
  check_run_id: number | null;
  steps: string;
  /** JSON `{ actor, at }` once someone asked to cancel. */
  cancel_requested: string | null;
  /** Counts commits: every commit is conditional on the version its writer read. */
  version: number;
  /** When retention deleted the finished run's log lines (migration 0008); NULL while they are kept. */
  log_pruned_at: string | null;
}

/** The wait index: one row per thing a waiting step waits for, kept in step with the run by commitRun. */
export interface RunWaitsTable {
  run_id: string;
  step_id: string;
  /** The step execution (StepRecord.attempt) the wait belongs to. */
  attempt: number;
  repository: string;
  /** approval, issueClosed, alertResolved, checkCompleted, timer, retry. */
  event: string;
  /** What the event must name: `#<issue>` (or `*`) for approvals, `owner/repo#n` (lower case), a fingerprint, `name@sha`; "" for timers. */
  target: string;
  /** When the wait ends on its own (a timer, a timeout), if it does. */
  due_at: string | null;
}

/** Small named counters of the queue: `virtual_clock`, the fair-queueing clock (see claimJob). */
export interface QueueStateTable {
  name: string;
  value: number;
}

/** Per installation: the virtual finish time of its last queued job (start-time fair queueing). */
export interface InstallationQueuesTable {
  installation_id: number;
  finish_at: number;
}

/** Installations whose schedules were indexed: the index persists, so a restart reads none again. */
export interface InstallationIndexTable {
  installation_id: number;
  indexed_at: string;
}

export interface RunLogsTable {
  id: Generated<number>;
  run_id: string;
  ts: string;
  level: string;
  message: string;
  meta: string | null;
}

export type EffectStatus = "claimed" | "done";

export interface EffectsTable {
  key: string;
  kind: string;
  status: EffectStatus;
  claimed_at: string;
  result: string | null;
}

/** scheduled: waits for its run_at; queued: due, in fair order; running: leased to a worker. */
export type JobStatus = "scheduled" | "queued" | "running" | "done" | "failed";

export interface JobsTable {
  id: string;
  type: string;
  payload: string;
  /** At most one job per key, ever: NULL keys do not collide (SQL's UNIQUE ignores NULLs). */
  key: string | null;
  run_at: string;
  attempts: number;
  status: JobStatus;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  installation_id: number | null;
  /** Lower first: JOB_PRIORITY. */
  priority: number;
  /** The job's virtual start time, set when it becomes due: served in this order within a priority. */
  fair_at: number;
  /** Jobs with one key never run at once (a run's id). */
  concurrency_key: string | null;
  max_attempts: number;
}

export interface SchedulesTable {
  id: string;
  /** The repository's full name (`owner/name`). */
  repository: string;
  repository_id: number;
  installation_id: number;
  /** The RepositoryInfo (JSON) the scheduled deliveries carry. */
  repository_info: string;
  workflow_path: string;
  trigger_index: number;
  cron: string;
  timezone: string;
  created_at: string;
  /** The tick last fired (or, for a new row, when it became known); only ever moves forward. */
  last_tick_at: string | null;
  /** The first tick after `last_tick_at`; NULL when the pattern never fires again (or is parked). */
  next_due_at: string | null;
}

/** Remediation tasks (assignTask): one row per task, at most one per fingerprint, per key and per issue. */
export interface TasksTable {
  id: string;
  /** The assigning step's idempotency key: UNIQUE. */
  key: string;
  /** The finding's fingerprint: UNIQUE (NULLs, tasks without a finding, do not collide). */
  fingerprint: string | null;
  title: string;
  description: string;
  /** JSON array of logins. */
  assigned_to: string;
  status: "open" | "completed" | "closed";
  resolution: string | null;
  /** JSON array of RelatedFinding. */
  related_findings: string;
  /** Where the issue lives (`owner/name`), as given. */
  repository: string;
  /** `repository` in lower case: look-ups ignore case, as GitHub's names do. */
  repository_key: string;
  issue_number: number | null;
  issue_url: string | null;
  installation_id: number;
  workflow_id: string;
  run_id: string;
  step_id: string;
  created_at: string;
  due_at: string | null;
  closed_at: string | null;
  /** Counts changes: every update is conditional on the version its writer read. */
  version: number;
}

/** Org-wide workflows (the catalogue): one row per workflow, naming its latest version. */
export interface StoredWorkflowsTable {
  id: string;
  /** The account's login, as given. */
  owner: string;
  /** `owner` in lower case: owners compare case-insensitively. */
  owner_key: string;
  installation_id: number | null;
  /** The latest version's name; `name_key` is it in lower case: UNIQUE per owner_key. */
  name: string;
  name_key: string;
  /** The latest version's seq: every update is conditional on the one its writer read. */
  latest_seq: number;
  latest_version: string;
  /** JSON array: the latest version's repositories filter. */
  repositories: string;
  created_at: string;
  updated_at: string;
}

/** The immutable versions of org-wide workflows: seq 1, 2, … per workflow, one row per semver. */
export interface StoredWorkflowVersionsTable {
  workflow_id: string;
  seq: number;
  version: string;
  name: string;
  /** The workflow document (JSON) as validated. */
  definition: string;
  /** The document's text as stored. */
  source: string;
  format: "yaml" | "json";
  /** JSON array of names or globs. */
  repositories: string;
  created_at: string;
  created_by: string;
}

/** The workflows last read from repositories' default branches: one row per repository and path. */
export interface RepositoryWorkflowsTable {
  /** `repository` in lower case. */
  repository_key: string;
  /** `owner/name`, as given. */
  repository: string;
  /** The repository's owner in lower case (what the catalogue's owners filter compares). */
  owner_key: string;
  path: string;
  /** The workflow's declared id: several repositories may declare one id. */
  id: string;
  installation_id: number;
  /** The default branch's commit it was read at. */
  commit_sha: string;
  name: string;
  /** `name` in lower case. */
  name_key: string;
  version: string;
  /** The workflow document (JSON). */
  definition: string;
  seen_at: string;
}
