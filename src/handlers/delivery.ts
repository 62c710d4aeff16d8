/**
 * Maps a webhook to the delivery the engine records (its repository and trigger events), or
 * says why there is none. Dispatches to the per-event mappers and to registered trigger types; never throws.
 */
import type { Delivery, TriggerEvent } from "../domain/events.js";
import { repositoryInfo } from "../events/findings.js";
import { triggerTypes } from "../triggers/registry.js";
import { checkRunActionTriggers } from "./check-run-actions.js";
import { checkRunTriggers } from "./check-run.js";
import { issueCommentTriggers } from "./issue-comment.js";
import { issuesTriggers } from "./issues.js";
import { pullRequestTriggers } from "./pull-request.js";
import { display, isRecord, positiveInteger, read, text } from "../events/payload-read.js";
import { dispatchTriggers } from "./repository-dispatch.js";
import { scanAlertTriggers } from "./scan-alert.js";
import { workflowRunTriggers } from "./workflow-run.js";

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
  "workflow_run",
] as const;

/** The webhook events the app handles: the built-in ones and those of registered trigger types (src/triggers/). */
export function handledEvents(): string[] {
  return [...new Set([...HANDLED_EVENTS, ...triggerTypes().flatMap((d) => d.webhooks?.events ?? [])])];
}

export interface WebhookEvent {
  id: string;
  name: string;
  payload: unknown;
}

/** What a webhook means: the delivery to record, or why there is none. */
export interface DeliveryMapping {
  delivery?: Delivery;
  /** Why nothing is recorded: one line, never payload text. */
  skipped?: string;
  /** The payload lacks what the event needs (a field missing or of the wrong type): skipped, and worth a warning. */
  invalid?: boolean;
  warnings: string[];
}

/** Longest `action` kept from a payload (GitHub's are short; a dispatch's event_type is at most 100 characters). */
const MAX_ACTION_LENGTH = 100;

/**
 * Maps a webhook to the delivery the engine records, or explains why there is nothing to do.
 * Guard clauses only: what workflows do with it is the engine's business. Never throws: a
 * payload without the fields its event needs is skipped, naming the field.
 */
export function toDelivery(event: WebhookEvent, now: Date, ownAppId?: number): DeliveryMapping {
  if (!isRecord(event.payload)) return { skipped: `${event.name} payload is not a JSON object`, invalid: true, warnings: [] };
  try {
    return mapDelivery(event, event.payload, now, ownAppId);
  } catch (err) {
    return { skipped: shapeProblem(event.name, err), invalid: true, warnings: [] };
  }
}

function mapDelivery(event: WebhookEvent, payload: Record<string, unknown>, now: Date, ownAppId?: number): DeliveryMapping {
  const installationId = positiveInteger(read(payload, "installation", "id"));
  if (installationId === undefined) return { skipped: "no installation in the payload", warnings: [] };
  if (!isRecord(payload.repository)) return { skipped: "no repository in the payload", warnings: [] };
  if (payload.action !== undefined && (typeof payload.action !== "string" || payload.action.length > MAX_ACTION_LENGTH)) {
    return { skipped: `${event.name} payload: /action must be a short string`, invalid: true, warnings: [] };
  }
  const action = text(payload.action);
  const warnings: string[] = [];
  const own = triggerTypes().find((d) => d.webhooks?.events.includes(event.name));
  const triggers: TriggerEvent[] = own ? own.webhooks!.toEvents(event.name, action, payload, now) : builtInTriggers(event.name, action, payload, now, ownAppId, warnings);
  if (triggers.length === 0) return { skipped: `${event.name}${action ? `.${display(action, MAX_ACTION_LENGTH)}` : ""} starts no workflow`, warnings };
  return {
    delivery: {
      id: event.id,
      event: event.name,
      ...(action ? { action } : {}),
      installationId,
      repository: repositoryInfo(payload),
      triggers,
      payload,
      receivedAt: now.toISOString(),
    },
    warnings,
  };
}

/** The trigger events of a webhook the built-in handlers know; `warnings` collects what is worth logging. */
function builtInTriggers(name: string, action: string | undefined, payload: Record<string, unknown>, now: Date, ownAppId: number | undefined, warnings: string[]): TriggerEvent[] {
  switch (name) {
    case "pull_request":
      return pullRequestTriggers(action, payload);
    case "check_run":
      return action === "requested_action" ? checkRunActionTriggers(action, payload, now) : checkRunTriggers(action, payload, ownAppId);
    case "issues":
      return issuesTriggers(action, payload, now);
    case "issue_comment": {
      const result = issueCommentTriggers(action, payload, now);
      warnings.push(...result.problems);
      return result.triggers;
    }
    case "workflow_run":
      return workflowRunTriggers(action, payload, now);
    case "repository_dispatch": {
      const result = dispatchTriggers(payload);
      warnings.push(...result.errors);
      return result.triggers;
    }
    default:
      return scanAlertTriggers(name, action, payload, now);
  }
}

/** The payload readers throw `<event> payload: /json/pointer must be …`; anything else is reported without its text. */
const READER_PROBLEM = /^[a-z_]{1,64} payload: \/[A-Za-z0-9_/]{0,200} must be [a-z -]{1,40}$/;

function shapeProblem(event: string, err: unknown): string {
  const message = (err as Error | undefined)?.message;
  if (typeof message === "string" && READER_PROBLEM.test(message)) return message;
  const kind = err instanceof RangeError ? "nested too deeply or too large" : "not the shape this event needs";
  return `${event} payload: ${kind}`;
}
