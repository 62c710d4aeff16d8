import type { TriggerEvent } from "../domain/events.js";
import type { Finding } from "../domain/finding.js";
import {
  findingFromCodeScanningAlert,
  findingFromDependabotAlert,
  findingFromSecretScanningAlert,
  isOpeningAction,
} from "../workflows/findings.js";

const MAPPERS: Record<string, (payload: never) => Finding | undefined> = {
  code_scanning_alert: findingFromCodeScanningAlert,
  dependabot_alert: findingFromDependabotAlert,
  secret_scanning_alert: findingFromSecretScanningAlert,
};

/** The actions after which an alert no longer needs fixing: what `wait: { for: alertResolved }` waits for. */
const RESOLVING_ACTIONS: Record<string, readonly string[]> = {
  code_scanning_alert: ["fixed", "closed_by_user"],
  dependabot_alert: ["fixed", "dismissed", "auto_dismissed"],
  secret_scanning_alert: ["resolved"],
};

/**
 * A code-scanning, Dependabot or secret-scanning alert that appeared → an onScanResult trigger
 * event; one that was fixed, dismissed or resolved → a signal for runs waiting on it.
 */
export function scanAlertTriggers(event: string, action: string | undefined, payload: unknown, now: Date = new Date()): TriggerEvent[] {
  const map = MAPPERS[event];
  if (!map || !action) return [];
  if (isOpeningAction(event, action)) {
    const finding = map(payload as never);
    return finding ? [{ kind: "finding", action, finding }] : [];
  }
  if (RESOLVING_ACTIONS[event]?.includes(action)) {
    const finding = map(payload as never);
    return finding ? [{ kind: "signal", signal: { type: "alertResolved", fingerprint: finding.fingerprint, state: action, at: now.toISOString() } }] : [];
  }
  return [];
}
