/** The run data model: runs, step records, waiting states, votes and log entries as the store keeps them, and which issue a run's steps opened. */
import type { ActionKind, StepType, Workflow } from "./workflow.js";

export const RUN_STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ["pending", "running", "waiting", "succeeded", "failed", "skipped", "cancelled"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  ts: string;
  level: LogLevel;
  message: string;
  meta?: Record<string, unknown>;
}

/** A recorded approval or rejection: who, when, and how it arrived. */
export interface ApprovalVote {
  actor: string;
  decision: "approve" | "reject";
  at: string;
  via: "comment" | "checkRun" | "api";
  comment?: string;
}

/** What a waiting step waits for. Times are ISO strings; a run job is due at the earliest. */
export type WaitState =
  | { kind: "timer"; until: string }
  | { kind: "retry"; until: string; lastError: string; /** Waiting for GitHub's rate limit, not after a failure: the try is not counted. */ paced?: boolean }
  | {
      kind: "approval";
      approvers: string[];
      minApprovals: number;
      timeoutAt?: string;
      votes: ApprovalVote[];
      author?: string;
      /** The issues and pull requests whose comments can vote (absent on runs from before: any of the repository's). */
      issues?: number[];
    }
  | {
      kind: "event";
      event: "issueClosed" | "alertResolved" | "checkCompleted" | "workflowRunCompleted";
      target: string;
      timeoutAt?: string;
      /** The repository whose events end the wait, when not the run's (a workflow dispatched in another repository). */
      repository?: string;
      /**
       * A dispatched workflow whose run is not known yet (GitHub did not say, or the app stopped
       * before it recorded the answer): its first `workflow_run` of event workflow_dispatch by
       * the app (`actor`), created at or after `since`, is taken to be it.
       */
      dispatch?: { workflowPath: string; since: string; /** `<app>[bot]`, when the app's login is known; else any bot. */ actor?: string };
    };

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
  /** How the step ended when it has outcomes: a decision's case, approved, rejected, timedOut, done. */
  outcome?: string;
  /** Tries of this execution so far (retries for transient failures). */
  tries?: number;
  /** While status is "waiting": what for. */
  waiting?: WaitState;
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
  /** Counts the run's commits: a writer commits only over the version it read (see Store.commitRun). */
  version?: number;
  /** Set when someone asked to cancel: the run stops at the next step boundary. */
  cancelRequested?: { actor: string; at: string };
  steps: StepRecord[];
  log: LogEntry[];
}

/** The URL of a run's check run on GitHub (`expressions: run.url`, check-run links), or "" before it has one. */
export function runUrl(run: Pick<Run, "checkRunId">, repositoryUrl: string): string {
  return run.checkRunId ? `${repositoryUrl}/runs/${run.checkRunId}` : "";
}

/** An issue, by its repository (`owner/name`) and number. */
export interface OpenedIssue {
  repository: string;
  number: number;
}

/**
 * The issue a step execution opened, if it did: a succeeded createIssue (its `number`) or
 * assignTask (its `issueNumber`, or `number`), in the step's `project` (a repository of the
 * run's owner) or else the run's own repository. The one answer to "which issue did this run
 * open", for waits on it, comments on it and votes from it.
 */
export function issueOpenedBy(step: StepRecord, runRepository: string): OpenedIssue | undefined {
  if (step.status !== "succeeded") return undefined;
  const outputs = step.outputs;
  const value = step.kind === "createIssue" ? outputs?.number : step.kind === "assignTask" ? (outputs?.issueNumber ?? outputs?.number) : undefined;
  if (typeof value !== "number") return undefined;
  const project = (step.parameters as { project?: unknown } | undefined)?.project;
  const owner = runRepository.split("/")[0]!;
  return { repository: typeof project === "string" && project !== "" ? `${owner}/${project}` : runRepository, number: value };
}

/** Numbers of the issues a run opened in its own repository (issueOpenedBy): their comments may vote on its approvals. */
export function issuesOpenedInRepository(run: { repository: string; steps: readonly StepRecord[] }): number[] {
  const here = run.repository.toLowerCase();
  return run.steps.flatMap((s) => {
    const opened = issueOpenedBy(s, run.repository);
    return opened && opened.repository.toLowerCase() === here ? [opened.number] : [];
  });
}
