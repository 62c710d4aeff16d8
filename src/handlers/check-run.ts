import type { TriggerEvent } from "../domain/events.js";
import { findingFromCheckRun } from "../workflows/findings.js";

/** The prefix of every check run this app creates. */
export const CHECK_NAME_PREFIX = "governance / ";

interface CheckRunPayload {
  check_run?: { id: number; name: string; head_sha: string; external_id?: string | null; app?: { id?: number } | null };
}

/**
 * `check_run`: a completed check of another app is a scan result (when its conclusion says
 * something was found); `rerequested` on one of our run check runs runs that workflow again.
 */
export function checkRunTriggers(action: string | undefined, payload: unknown, ownAppId?: number): TriggerEvent[] {
  const check = (payload as CheckRunPayload).check_run;
  if (!check) return [];
  const ours = check.name.startsWith(CHECK_NAME_PREFIX) && (ownAppId === undefined || check.app?.id === ownAppId);
  if (action === "completed" && !ours) {
    const finding = findingFromCheckRun(payload as never);
    // Any completed check may end a run's `wait: { for: checkCompleted }`.
    const completed = (payload as { check_run: { conclusion?: string | null; completed_at?: string | null } }).check_run;
    const signal: TriggerEvent = {
      kind: "signal",
      signal: { type: "checkCompleted", name: check.name, headSha: check.head_sha, conclusion: completed.conclusion ?? "", at: completed.completed_at ?? new Date().toISOString() },
    };
    return finding ? [{ kind: "finding", action, finding }, signal] : [signal];
  }
  const runId = check.external_id ?? "";
  // Validation checks (external id "validate:…") are redone by pushing, not re-requested.
  if (action === "rerequested" && ours && runId !== "" && !runId.startsWith("validate:")) {
    return [{ kind: "rerun", checkRunId: check.id, runId, headSha: check.head_sha }];
  }
  return [];
}
