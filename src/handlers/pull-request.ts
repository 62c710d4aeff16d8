/** Maps `pull_request` webhooks to onPR trigger events, for the actions workflows can filter on. */
import type { TriggerEvent } from "../domain/events.js";
import { pullRequestInfo } from "../events/findings.js";

/** The pull request actions that can start onPR workflows. */
export const PULL_REQUEST_ACTIONS = new Set(["opened", "synchronize", "reopened", "ready_for_review", "labeled", "edited"]);

/** `pull_request` → an onPR trigger event, for the actions workflows can filter on. */
export function pullRequestTriggers(action: string | undefined, payload: unknown): TriggerEvent[] {
  if (!action || !PULL_REQUEST_ACTIONS.has(action)) return [];
  return [{ kind: "pullRequest", action, pullRequest: pullRequestInfo(payload as never) }];
}
