/** The event data model: a recorded webhook delivery, the trigger events it carries (extensible by trigger types), and the signals that steer waiting runs. */
import type { Finding } from "./finding.js";

/** The repository an event happened in. */
export interface RepositoryInfo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  url: string;
}

/** The pull request of an onPR event, as expressions see it (`pullRequest.*`). */
export interface PullRequestInfo {
  number: number;
  title: string;
  author: string;
  baseRef: string;
  headRef: string;
  headSha: string;
  labels: string[];
  draft: boolean;
  url: string;
}

/**
 * The kinds of event a delivery can carry, by `kind`, each with its own fields. A trigger type
 * registered beside the built-in ones (src/triggers/) adds its event here by augmenting this
 * interface from its own module:
 *
 *     declare module "../domain/events.js" { interface TriggerEventMap { release: { action: string; tag: string } } }
 */
export interface TriggerEventMap {
  pullRequest: { action: string; pullRequest: PullRequestInfo };
  finding: { action: string; finding: Finding };
  rerun: { checkRunId: number; runId: string; headSha: string };
  /** `/governance run <workflow> [key=value…]`, the CLI or the API. Inputs are checked against the trigger's spec. */
  manual: {
    workflow: string;
    inputs: Record<string, string>;
    actor: string;
    issueNumber?: number;
    /**
     * `api`: started through the REST API, which checked the caller's role on the repository
     * (its RBAC decides, so GitHub is not asked again) and told the caller `runId`, the id the
     * run gets. Only the API makes such events: webhooks never do.
     */
    via?: "api";
    runId?: string;
  };
  /** A tick of an onSchedule trigger, for the workflow at `workflowPath` on the default branch. */
  schedule: { workflowPath: string; triggerIndex: number; scheduledFor: string };
  /** Something a waiting run may be waiting for: an approval, a closed issue, a resolved alert… */
  signal: { signal: Signal };
}

export type TriggerEventKind = keyof TriggerEventMap;

/**
 * What a webhook means for workflows: the trigger-side view of an event, made by a handler
 * from the payload. One delivery can carry several (a dispatch with many findings).
 */
export type TriggerEvent = { [K in TriggerEventKind]: { kind: K } & TriggerEventMap[K] }[TriggerEventKind];

/** The event of one kind. */
export type EventOf<K extends TriggerEventKind> = Extract<TriggerEvent, { kind: K }>;

/** An event that resumes or steers runs that already exist, rather than starting new ones. */
export type Signal =
  | {
      type: "approval";
      decision: "approve" | "reject";
      actor: string;
      at: string;
      via: "comment" | "checkRun" | "api";
      /** Comment signals: the pull request or issue commented on. */
      issueNumber?: number;
      /** Check run and API signals: the run and (optionally) which approval step. */
      runId?: string;
      stepId?: string;
      comment?: string;
    }
  | { type: "cancel"; actor: string; at: string; runId: string; via: "checkRun" | "api" }
  /** `reason`: GitHub's state_reason (completed, not_planned, duplicate). */
  | { type: "issueClosed"; repository: string; number: number; at: string; reason?: string }
  | { type: "issueReopened"; repository: string; number: number; at: string }
  | { type: "alertReopened"; fingerprint: string; at: string }
  | { type: "alertResolved"; fingerprint: string; state: string; at: string }
  | { type: "checkCompleted"; name: string; headSha: string; conclusion: string; at: string }
  /** A GitHub Actions run was requested, started or completed (`workflow_run`): what a runRemediation step waits for. */
  | {
      type: "workflowRun";
      runId: number;
      /** `.github/workflows/fix.yml` */
      workflowPath: string;
      /** What started it: workflow_dispatch, push, … */
      event: string;
      /** Who started it (`<app>[bot]` for a dispatch by this app). */
      actor: string;
      createdAt: string;
      status: string;
      conclusion?: string;
      url: string;
      at: string;
    };

/** A webhook delivery, recorded before anything else happens to it. */
export interface Delivery {
  /** The X-GitHub-Delivery header: unique per delivery, kept on redelivery. */
  id: string;
  /** The webhook event name (pull_request, code_scanning_alert, …). */
  event: string;
  action?: string;
  installationId: number;
  repository: RepositoryInfo;
  triggers: TriggerEvent[];
  /** The webhook payload, for expressions (`event.payload`). */
  payload: unknown;
  receivedAt: string;
}
