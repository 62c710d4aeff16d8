/** Maps `repository_dispatch` webhooks of type `scan-result` (findings from external scanners) to onScanResult trigger events. */
import type { TriggerEvent } from "../domain/events.js";
import { findingsFromDispatch } from "../events/findings.js";

/** The `event_type` external scanners send to feed findings in. */
export const SCAN_RESULT_EVENT_TYPE = "scan-result";

/** `repository_dispatch` with `event_type: scan-result` → one onScanResult trigger event per finding. */
export function dispatchTriggers(payload: unknown): { triggers: TriggerEvent[]; errors: string[] } {
  if ((payload as { action?: string }).action !== SCAN_RESULT_EVENT_TYPE) return { triggers: [], errors: [] };
  const { findings, errors } = findingsFromDispatch(payload as never);
  return { triggers: findings.map((finding) => ({ kind: "finding", action: SCAN_RESULT_EVENT_TYPE, finding })), errors };
}
