/**
 * The workflow data model. Field names and enums are normative (see the README's
 * "Workflow format" section and the JSON Schema in schema/workflow.schema.json).
 */

export const TRIGGER_TYPES = ["onSchedule", "onScanResult", "manual", "onPR"] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const STEP_TYPES = ["action", "decision", "approval", "wait"] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const ACTION_KINDS = ["createIssue", "assignTask", "runRemediation", "notify", "runScript"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_SOURCES = ["codeScanning", "dependabot", "secretScanning", "checkRun", "dispatch"] as const;
export type FindingSource = (typeof FINDING_SOURCES)[number];

export const APPROVAL_OUTCOMES = ["approved", "rejected", "timedOut"] as const;
export type ApprovalOutcome = (typeof APPROVAL_OUTCOMES)[number];

export const WAIT_OUTCOMES = ["done", "timedOut"] as const;
export type WaitOutcome = (typeof WAIT_OUTCOMES)[number];

export const WAIT_EVENTS = ["issueClosed", "taskClosed", "alertResolved", "checkCompleted"] as const;
export type WaitEvent = (typeof WAIT_EVENTS)[number];

export interface OnScanResultConfig {
  minSeverity?: Severity;
  sources?: FindingSource[];
  checkNames?: string[];
  secretScanningSeverity?: Severity;
}

export interface OnPRConfig {
  actions?: string[];
  branches?: string[];
  paths?: string[];
  labels?: string[];
  drafts?: boolean;
}

export interface OnScheduleConfig {
  cron: string;
  timezone?: string;
}

export interface InputSpec {
  type: "string" | "number" | "boolean";
  required?: boolean;
  default?: string | number | boolean;
  description?: string;
  options?: Array<string | number>;
}

export interface ManualConfig {
  inputs?: Record<string, InputSpec>;
}

export type Trigger =
  | { type: "onScanResult"; config?: OnScanResultConfig }
  | { type: "onPR"; config?: OnPRConfig }
  | { type: "onSchedule"; config: OnScheduleConfig }
  | { type: "manual"; config?: ManualConfig };

export interface Action {
  kind: ActionKind;
  parameters?: Record<string, unknown>;
}

export interface RetryPolicy {
  maxAttempts: number;
  backoff?: string;
}

interface StepBase {
  id: string;
  name?: string;
  description?: string;
  retry?: RetryPolicy;
  timeout?: string;
  /** Bounds how often this step may run in one run; required on one step of every cycle. */
  maxRuns?: number;
  /** When true, a failure of this step does not fail the run. */
  continueOnError?: boolean;
}

export interface DecisionCase {
  if: string;
  then: string[];
}

export interface ActionStep extends StepBase {
  type: "action";
  action: Action;
  next?: string[];
}

export interface DecisionStep extends StepBase {
  type: "decision";
  next: { when: DecisionCase[]; else?: string[] };
}

export interface ApprovalStep extends StepBase {
  type: "approval";
  approval: { approvers: string[]; minApprovals?: number; timeout?: string };
  next?: string[] | Partial<Record<ApprovalOutcome, string[]>>;
}

export interface WaitStep extends StepBase {
  type: "wait";
  wait: { duration?: string; until?: string; for?: WaitEvent; step?: string; checkName?: string; timeout?: string };
  next?: string[] | Partial<Record<WaitOutcome, string[]>>;
}

export type Step = ActionStep | DecisionStep | ApprovalStep | WaitStep;

/** A workflow as written in a `.governance/` file, after validation. */
export interface Workflow {
  id?: string;
  name: string;
  description?: string;
  version: string;
  triggers: Trigger[];
  steps: Step[];
  createdAt?: string;
  updatedAt?: string;
}
