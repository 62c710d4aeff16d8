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

/** A code-scanning, Dependabot or secret-scanning alert that appeared → an onScanResult trigger event. */
export function scanAlertTriggers(event: string, action: string | undefined, payload: unknown): TriggerEvent[] {
  const map = MAPPERS[event];
  if (!map || !action || !isOpeningAction(event, action)) return [];
  const finding = map(payload as never);
  return finding ? [{ kind: "finding", action, finding }] : [];
}
