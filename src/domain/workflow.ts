/**
 * The workflow data model. Field names and enums are normative (see the README's
 * "Workflow format" section and the JSON Schema in schema/workflow.schema.json).
 */

/** The built-in trigger types (src/triggers/ has one module each; more can be registered there). */
export const TRIGGER_TYPES = ["onSchedule", "onScanResult", "manual", "onPR"] as const;

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

/**
 * The trigger types by `type`, each with its `config`. A trigger type registered beside the
 * built-in ones (src/triggers/) adds itself by augmenting this interface from its own module:
 *
 *     declare module "../domain/workflow.js" { interface TriggerMap { onRelease: { config?: { tags?: string[] } } } }
 */
export interface TriggerMap {
  onScanResult: { config?: OnScanResultConfig };
  onPR: { config?: OnPRConfig };
  onSchedule: { config: OnScheduleConfig };
  manual: { config?: ManualConfig };
}

export type TriggerType = keyof TriggerMap;

/** A trigger as a workflow writes it. */
export type Trigger = { [T in TriggerType]: { type: T } & TriggerMap[T] }[TriggerType];

/** The trigger of one type. */
export type TriggerOf<T extends TriggerType> = Extract<Trigger, { type: T }>;

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

/** The outcomes of a runRemediation step, which `next` may route on. */
export const REMEDIATION_OUTCOMES = ["success", "failure", "timedOut"] as const;
export type RemediationOutcome = (typeof REMEDIATION_OUTCOMES)[number];

export interface ActionStep extends StepBase {
  type: "action";
  action: Action;
  /** Step ids; or, for runRemediation only, the steps for each outcome of the dispatched run. */
  next?: string[] | Partial<Record<RemediationOutcome, string[]>>;
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

/** A workflow as written in a `.governance/` file (or kept by the app, org-wide), after validation. */
export interface Workflow {
  id?: string;
  name: string;
  description?: string;
  version: string;
  /** Org-wide workflows only: the account whose repositories it applies to. */
  owner?: string;
  /** Org-wide workflows only: which of the owner's repositories, by name or glob. */
  repositories?: string[];
  triggers: Trigger[];
  steps: Step[];
  createdAt?: string;
  updatedAt?: string;
}
