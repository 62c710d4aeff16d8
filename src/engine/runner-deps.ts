/** What the runner works with (its ports and the job's lease), what it returns, and the errors that stop an execution. */
import type { ActionHandler } from "../actions/index.js";
import type { Metrics } from "../domain/metrics-port.js";
import type { Clock, GitHubPort, Logger, NewJob, Notifier, RunReporter, Store } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import type { ScriptRunner } from "../domain/script-port.js";
import type { ActionKind, Severity } from "../domain/workflow.js";

/** Bound on step executions in one run, whatever the workflow says: a last line of defence. */
export const MAX_STEP_EXECUTIONS = 1000;

export interface RunnerDeps {
  store: Store;
  clock: Clock;
  notifier: Notifier;
  /** The operator's allow-listed scripts, for runScript steps; absent when none are configured. */
  scripts?: ScriptRunner;
  /** assignTask's due dates by severity, in milliseconds (the operator configuration's `tasks.due`). */
  taskDueMs?: Readonly<Partial<Record<Severity, number>>>;
  github: GitHubPort;
  actions: Partial<Record<ActionKind, ActionHandler>>;
  reporter: RunReporter;
  log: Logger;
  /** Aborted when the job running this lost its lease: stop at the next step boundary. */
  signal?: AbortSignal;
  /**
   * Whether the job running this still holds its lease. Asked before a replay and before an
   * action's side effect: a worker whose lease ran out (it stalled) and was taken over must not
   * go on with the run that the new holder executes.
   */
  holdsLease?: () => Promise<boolean>;
  /** This job ran before and never recorded an outcome (its process died): what it may not have reported is reported again. */
  retried?: boolean;
  /** Where runs started and ended and step durations are counted (default: nowhere). */
  metrics?: Metrics;
}

/** The job's lease went to another worker: this execution stops and leaves the run to it. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/** Where a run was left: finished, or waiting (and when it next needs waking, if ever). */
export interface RunProgress {
  run: Run;
  wakeAt?: Date;
}

/** Another writer committed the run since this one read it: reload and replay. */
export class RunConflictError extends Error {
  override readonly name = "RunConflictError";
}

/** Commits a state with the log lines and effects since the last commit; returns it with its new version. */
export type Commit = (state: Run, jobs?: NewJob[]) => Promise<Run>;

