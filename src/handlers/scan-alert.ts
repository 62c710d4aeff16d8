/** Maps code-scanning, Dependabot and secret-scanning alert webhooks to trigger events: a new alert is a finding, a resolved one a signal. */
import { read } from "../events/payload-read.js";
import type { TriggerEvent } from "../domain/events.js";
import type { Finding } from "../domain/finding.js";
import {
  findingFromCodeScanningAlert,
  findingFromDependabotAlert,
  findingFromSecretScanningAlert,
  isOpeningAction,
  isResolvingAction,
} from "../events/findings.js";

const MAPPERS: Record<string, (payload: never) => Finding | undefined> = {
  code_scanning_alert: findingFromCodeScanningAlert,
  dependabot_alert: findingFromDependabotAlert,
  secret_scanning_alert: findingFromSecretScanningAlert,
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
    if (!finding) return [];
    // A reopened alert also reopens the task that tracks it.
    const reopened = /reopen|reintroduced/.test(action) ? [{ kind: "signal" as const, signal: { type: "alertReopened" as const, fingerprint: finding.fingerprint, at: now.toISOString() } }] : [];
    return [{ kind: "finding", action, finding }, ...reopened];
  }
  if (isResolvingAction(event, action)) {
    const finding = map(payload as never);
    // A secret revoked is a secret fixed; resolved any other way, it was dismissed.
    const revoked = event === "secret_scanning_alert" && action === "resolved" && read(payload, "alert", "resolution") === "revoked";
    return finding ? [{ kind: "signal", signal: { type: "alertResolved", fingerprint: finding.fingerprint, state: revoked ? "fixed" : action, at: now.toISOString() } }] : [];
  }
  return [];
}
