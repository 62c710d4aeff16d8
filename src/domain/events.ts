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
 * What a webhook means for workflows: the trigger-side view of an event, made by a handler
 * from the payload. One delivery can carry several (a dispatch with many findings).
 */
export type TriggerEvent =
  | { kind: "pullRequest"; action: string; pullRequest: PullRequestInfo }
  | { kind: "finding"; action: string; finding: Finding }
  | { kind: "rerun"; checkRunId: number; runId: string; headSha: string };

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
