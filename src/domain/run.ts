import type { ActionKind, StepType, Workflow } from "./workflow.js";

export const RUN_STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ["pending", "running", "succeeded", "failed", "skipped"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  ts: string;
  level: LogLevel;
  message: string;
  meta?: Record<string, unknown>;
}

/** One execution of one step within a run. */
export interface StepRecord {
  stepId: string;
  name?: string;
  type: StepType;
  kind?: ActionKind;
  status: StepStatus;
  /** 1 for the first execution; higher when a bounded cycle runs the step again. */
  attempt: number;
  startedAt?: string;
  finishedAt?: string;
  /** The action's parameters after templating. */
  parameters?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: string;
  /** The step ids chosen to follow this execution (a decision's branch; [] ends the branch). */
  next?: string[];
}

/** A run (execution) of a workflow, as the data model names it. */
export interface Run {
  /** uuid v7: time-ordered. */
  id: string;
  workflowId: string;
  workflowName: string;
  workflowVersion: string;
  /** The file the workflow came from, and the exact commit it was read at. */
  workflowPath: string;
  workflowCommit: string;
  /** The workflow as it was when the run started: a run executes the definition it began with. */
  definition: Workflow;
  installationId: number;
  repository: string;
  deliveryId: string;
  /** Which of the delivery's trigger events started this run. */
  triggerIndex: number;
  /** Runs with the same key are the same run: a redelivery or a second event for the same alert. */
  dedupeKey: string;
  status: RunStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  currentStepId?: string;
  /** The commit the run's check run is attached to. */
  headSha?: string;
  checkRunId?: number;
  steps: StepRecord[];
  log: LogEntry[];
}
