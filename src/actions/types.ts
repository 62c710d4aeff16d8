/** The contract between the engine and an action: the context it runs with (ports only), the handler type, and ActionError. */
import type { Delivery, RepositoryInfo, TriggerEvent } from "../domain/events.js";
import type { Clock, EffectLedger, GitHubPort, Notifier, Store } from "../domain/ports.js";
import type { LogLevel, Run, StepRecord, WaitState } from "../domain/run.js";
import type { ScriptRunner } from "../domain/script-port.js";
import type { ActionStep, Severity, Workflow } from "../domain/workflow.js";

/** Everything an action needs to do its one thing, through ports only. */
export interface ActionContext {
  run: Run;
  step: ActionStep;
  /** The step's parameters, templated. */
  parameters: Record<string, unknown>;
  workflow: Workflow;
  delivery: Delivery;
  trigger: TriggerEvent;
  repository: RepositoryInfo;
  /** Outputs of the steps that ran before, by step id. */
  stepOutputs: Record<string, Record<string, unknown>>;
  /** The step executions that led to this one, nearest first: its own branch, never a parallel one's. */
  lineage: StepRecord[];
  /** Unique per run, step and execution: the key of the step's side effects. */
  idempotencyKey: string;
  github: GitHubPort;
  notifier: Notifier;
  /** The operator's allow-listed scripts (runScript); absent when none are configured. */
  scripts?: ScriptRunner;
  /** assignTask's due dates by severity, in milliseconds, from the operator configuration. */
  taskDueMs?: Readonly<Partial<Record<Severity, number>>>;
  store: Store;
  clock: Clock;
  /** Where the step's side effects are recorded (with the run's next commit); absent outside a run, e.g. in a test. */
  effects?: EffectLedger;
  log(level: LogLevel, message: string, meta?: Record<string, unknown>): void;
  /** Aborted when the job running the step lost its lease or the app is stopping: long work (a script) stops. */
  signal?: AbortSignal;
}

/**
 * An action's answer that it is not done yet: it waits, durably, for an event (a dispatched
 * workflow run to complete). The step is recorded waiting with `outputs` so far, and ends with
 * the outcome the event brings, routed through its `next`.
 */
export class ActionWaits {
  constructor(
    readonly outputs: Record<string, unknown>,
    readonly waiting: Extract<WaitState, { kind: "event" }>,
    readonly message: string,
  ) {}
}

export type ActionHandler = (ctx: ActionContext) => Promise<Record<string, unknown> | ActionWaits>;

/** An action that is done when it returns: its outputs. */
export type ImmediateAction = (ctx: ActionContext) => Promise<Record<string, unknown>>;

/** A failure an action reports; `retriable` says whether trying again could help. */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ActionError";
  }
}
