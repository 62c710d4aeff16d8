import type { Generated } from "kysely";

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
}

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
  /** JSON `{ actor, at }` once someone asked to cancel; written only by requestCancel. */
  cancel_requested: string | null;
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

export type JobStatus = "queued" | "running" | "done" | "failed";

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
