/**
 * Mapping between the domain's objects and table rows. Pure functions, shared by every backend:
 * optional fields become NULL (never undefined, which drivers bind differently) and come back
 * absent, so a stored object reads back equal to what was written.
 */
import type { Insertable, Selectable } from "kysely";
import { v7 as uuidv7 } from "uuid";
import type { Delivery } from "../domain/events.js";
import type { EffectRecord, Job, NewJob } from "../domain/ports.js";
import { issuesOpenedInRepository, type LogEntry, type LogLevel, type Run, type RunStatus, type StepRecord } from "../domain/run.js";
import type { DeliveriesTable, EffectsTable, JobsTable, RunLogsTable, RunsTable, RunWaitsTable } from "./schema.js";

/** The row of a delivery; `payloadText` is its payload's JSON as received, when known. */
export function deliveryToRow(d: Delivery, payloadText?: string): Insertable<DeliveriesTable> {
  return {
    id: d.id,
    event: d.event,
    action: d.action ?? null,
    installation_id: d.installationId,
    repository: d.repository.fullName,
    payload: payloadText ?? toJson(d.payload ?? null),
    triggers: toJson(d.triggers),
    repository_info: toJson(d.repository),
    received_at: d.receivedAt,
  };
}

/** The delivery of a row. */
export function rowToDelivery(r: Selectable<DeliveriesTable>): Delivery {
  return {
    id: r.id,
    event: r.event,
    ...(r.action === null ? {} : { action: r.action }),
    installationId: r.installation_id,
    repository: JSON.parse(r.repository_info) as Delivery["repository"],
    triggers: JSON.parse(r.triggers) as Delivery["triggers"],
    payload: JSON.parse(r.payload) as unknown,
    receivedAt: r.received_at,
  };
}

/** The state columns of a run: what `commitRun` may change. */
export function runStateToRow(run: Run) {
  return {
    cancel_requested: run.cancelRequested ? toJson(run.cancelRequested) : null,
    status: run.status,
    started_at: run.startedAt ?? null,
    finished_at: run.finishedAt ?? null,
    current_step_id: run.currentStepId ?? null,
    head_sha: run.headSha ?? null,
    check_run_id: run.checkRunId ?? null,
    steps: toJson(run.steps),
  } satisfies Partial<Insertable<RunsTable>>;
}

/** The row of a run, without its log (kept in `run_logs`). */
export function runToRow(run: Run): Insertable<RunsTable> {
  return {
    id: run.id,
    dedupe_key: run.dedupeKey,
    workflow_id: run.workflowId,
    workflow_name: run.workflowName,
    workflow_version: run.workflowVersion,
    workflow_path: run.workflowPath,
    workflow_commit: run.workflowCommit,
    definition: toJson(run.definition),
    installation_id: run.installationId,
    repository: run.repository,
    delivery_id: run.deliveryId,
    trigger_index: run.triggerIndex,
    created_at: run.createdAt,
    version: 1,
    ...runStateToRow(run),
  };
}

/** The run of a row and its log rows (in order). */
export function rowToRun(r: Selectable<RunsTable>, log: Selectable<RunLogsTable>[]): Run {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    workflowName: r.workflow_name,
    workflowVersion: r.workflow_version,
    workflowPath: r.workflow_path,
    workflowCommit: r.workflow_commit,
    definition: JSON.parse(r.definition) as Run["definition"],
    installationId: r.installation_id,
    repository: r.repository,
    deliveryId: r.delivery_id,
    triggerIndex: r.trigger_index,
    dedupeKey: r.dedupe_key,
    version: r.version,
    status: r.status as RunStatus,
    createdAt: r.created_at,
    ...(r.started_at === null ? {} : { startedAt: r.started_at }),
    ...(r.finished_at === null ? {} : { finishedAt: r.finished_at }),
    ...(r.current_step_id === null ? {} : { currentStepId: r.current_step_id }),
    ...(r.head_sha === null ? {} : { headSha: r.head_sha }),
    ...(r.check_run_id === null ? {} : { checkRunId: r.check_run_id }),
    ...(r.cancel_requested === null || r.cancel_requested === undefined ? {} : { cancelRequested: JSON.parse(r.cancel_requested) as Run["cancelRequested"] }),
    steps: JSON.parse(r.steps) as Run["steps"],
    log: log.map(rowToLogEntry),
  };
}

/** The row of one log entry. */
export function logEntryToRow(runId: string, e: LogEntry): Insertable<RunLogsTable> {
  return { run_id: runId, ts: e.ts, level: e.level, message: e.message, meta: e.meta === undefined ? null : toJson(e.meta) };
}

function rowToLogEntry(r: Selectable<RunLogsTable>): LogEntry {
  return {
    ts: r.ts,
    level: r.level as LogLevel,
    message: r.message,
    ...(r.meta === null ? {} : { meta: JSON.parse(r.meta) as Record<string, unknown> }),
  };
}

/** The effect record of a row. */
export function rowToEffect(r: Selectable<EffectsTable>): EffectRecord {
  return {
    key: r.key,
    kind: r.kind,
    status: r.status,
    claimedAt: r.claimed_at,
    ...(r.result === null ? {} : { result: JSON.parse(r.result) as Record<string, unknown> }),
  };
}

/** The wait index entries of a run: one per thing each waiting step waits for. */
export function waitRowsOf(run: Pick<Run, "id" | "repository"> & { steps: readonly StepRecord[] }): Insertable<RunWaitsTable>[] {
  const rows: Insertable<RunWaitsTable>[] = [];
  for (const record of run.steps) {
    const w = record.waiting;
    if (record.status !== "waiting" || !w) continue;
    // A wait for another repository's events (a workflow dispatched there) is found by that repository.
    const repository = (w.kind === "event" && w.repository) || run.repository;
    const row = (event: string, target: string, due: string | undefined) =>
      rows.push({ run_id: run.id, step_id: record.stepId, attempt: record.attempt, repository, event, target, due_at: due ?? null });
    switch (w.kind) {
      case "approval": {
        // Votes come as comments on the run's pull request or event issue, or on an issue the
        // run opened in its own repository (a parallel branch may open one while it waits).
        // Runs from before the index kept no issue list: any comment of the repository may concern them.
        const opened = issuesOpenedInRepository(run);
        for (const target of w.issues ? [...new Set([...w.issues, ...opened])].map((n) => `#${n}`) : ["*"]) row("approval", target, w.timeoutAt);
        break;
      }
      case "event":
        row(w.event, waitTarget(w.event, w.target), w.timeoutAt);
        break;
      case "timer":
      case "retry":
        row(w.kind, "", w.until);
        break;
    }
  }
  return rows;
}

/** A wait target as the index keeps it: issue references ignore case, as GitHub's names do. */
export function waitTarget(event: string, target: string): string {
  return event === "issueClosed" ? target.toLowerCase() : target;
}

/** The row of a new job; `now` is its default run time. Fair order and status are the store's to set. */
export function newJobToRow(job: NewJob, now: Date): Insertable<JobsTable> {
  const created = now.toISOString();
  return {
    // v7: time-ordered, so jobs due at the same instant run in the order they were enqueued.
    id: uuidv7(),
    type: job.type,
    payload: toJson(job.payload),
    key: job.key ?? null,
    run_at: (job.runAt ?? now).toISOString(),
    attempts: 0,
    status: "queued",
    locked_by: null,
    locked_until: null,
    last_error: null,
    created_at: created,
    updated_at: created,
    installation_id: job.installationId ?? null,
    priority: job.priority ?? 0,
    fair_at: 0,
    concurrency_key: job.concurrencyKey ?? null,
    max_attempts: Math.max(1, Math.trunc(job.maxAttempts ?? DEFAULT_JOB_ATTEMPTS)),
  };
}

/** Attempts a job gets unless it says otherwise. */
export const DEFAULT_JOB_ATTEMPTS = 5;

/** The job a worker sees, from its row. */
export function rowToJob(r: Pick<Selectable<JobsTable>, "id" | "type" | "payload" | "attempts" | "run_at" | "max_attempts" | "installation_id">): Job {
  return {
    id: r.id,
    type: r.type,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    ...(r.installation_id === null ? {} : { installationId: r.installation_id }),
  };
}

/** JSON for a TEXT column; throws on values JSON cannot hold (a cycle, a BigInt). */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}
