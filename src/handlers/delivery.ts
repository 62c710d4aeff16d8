import type { Delivery, TriggerEvent } from "../domain/events.js";
import { repositoryInfo } from "../workflows/findings.js";
import { checkRunActionTriggers } from "./check-run-actions.js";
import { checkRunTriggers } from "./check-run.js";
import { issueCommentTriggers } from "./issue-comment.js";
import { issuesTriggers } from "./issues.js";
import { pullRequestTriggers } from "./pull-request.js";
import { dispatchTriggers } from "./repository-dispatch.js";
import { scanAlertTriggers } from "./scan-alert.js";

/** The webhook events the app listens to (app.yml subscribes to these and a few more). */
export const HANDLED_EVENTS = [
  "pull_request",
  "check_run",
  "repository_dispatch",
  "code_scanning_alert",
  "dependabot_alert",
  "secret_scanning_alert",
  "issues",
  "issue_comment",
] as const;

export interface WebhookEvent {
  id: string;
  name: string;
  payload: unknown;
}

/**
 * Maps a webhook to the delivery the engine records, or explains why there is nothing to do.
 * Guard clauses only: what workflows do with it is the engine's business.
 */
export function toDelivery(event: WebhookEvent, now: Date, ownAppId?: number): { delivery?: Delivery; skipped?: string; warnings: string[] } {
  const payload = event.payload as { action?: string; installation?: { id?: number }; repository?: unknown };
  const installationId = payload.installation?.id;
  if (typeof installationId !== "number") return { skipped: "no installation in the payload", warnings: [] };
  if (!payload.repository) return { skipped: "no repository in the payload", warnings: [] };
  const action = payload.action;
  let triggers: TriggerEvent[] = [];
  const warnings: string[] = [];
  switch (event.name) {
    case "pull_request":
      triggers = pullRequestTriggers(action, payload);
      break;
    case "check_run":
      triggers = action === "requested_action" ? checkRunActionTriggers(action, payload, now) : checkRunTriggers(action, payload, ownAppId);
      break;
    case "issues":
      triggers = issuesTriggers(action, payload, now);
      break;
    case "issue_comment": {
      const result = issueCommentTriggers(action, payload, now);
      triggers = result.triggers;
      warnings.push(...result.problems);
      break;
    }
    case "repository_dispatch": {
      const result = dispatchTriggers(payload);
      triggers = result.triggers;
      warnings.push(...result.errors);
      break;
    }
    default:
      triggers = scanAlertTriggers(event.name, action, payload, now);
  }
  if (triggers.length === 0) return { skipped: `${event.name}${action ? `.${action}` : ""} starts no workflow`, warnings };
  return {
    delivery: {
      id: event.id,
      event: event.name,
      ...(action ? { action } : {}),
      installationId,
      repository: repositoryInfo(payload as never),
      triggers,
      payload: event.payload,
      receivedAt: now.toISOString(),
    },
    warnings,
  };
}
