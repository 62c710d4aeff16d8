/** Maps the Approve, Reject and Cancel run buttons pressed on our run check runs (`check_run.requested_action`) to signals. */
import type { TriggerEvent } from "../domain/events.js";
import { BUTTON } from "../github/check-buttons.js";
import { CHECK_NAME_PREFIX } from "./check-run.js";
import { read, text } from "../events/payload-read.js";

/** The `requested_action.identifier`s of our buttons (GitHub allows 20 characters). */
export const CHECK_ACTION_IDS = BUTTON;

/**
 * `check_run.requested_action` on one of our run check runs: a person pressed Approve, Reject or
 * Cancel run. The run is the check run's `external_id`. GitHub sends this event only to the app
 * that made the check run, so no app id check is needed; whether the person may approve or
 * cancel is the engine's check.
 */
export function checkRunActionTriggers(action: string | undefined, payload: unknown, now: Date): TriggerEvent[] {
  if (action !== "requested_action") return [];
  const name = text(read(payload, "check_run", "name"));
  const runId = text(read(payload, "check_run", "external_id"));
  const actor = text(read(payload, "sender", "login"));
  // Validation checks ("validate:…") have no run to steer.
  if (!name?.startsWith(CHECK_NAME_PREFIX) || runId === undefined || runId.startsWith("validate:") || actor === undefined) return [];
  const at = now.toISOString();
  const identifier = read(payload, "requested_action", "identifier");
  switch (identifier) {
    case CHECK_ACTION_IDS.approve:
    case CHECK_ACTION_IDS.reject:
      return [{ kind: "signal", signal: { type: "approval", decision: identifier, actor, at, via: "checkRun", runId } }];
    case CHECK_ACTION_IDS.cancel:
      return [{ kind: "signal", signal: { type: "cancel", actor, at, runId, via: "checkRun" } }];
    default:
      return [];
  }
}

/** The buttons are drawn by the check-run reporter; their identifiers live with it. */
export { approvalButtons, cancelButton } from "../github/check-buttons.js";
