/**
 * Maps `check_run` webhooks to trigger events: another app's completed check is a signal for
 * waiting runs, and a finding when its conclusion says something was found; a re-run requested
 * on one of our check runs runs its workflow again.
 */
import type { TriggerEvent } from "../domain/events.js";
import { findingFromCheckRun } from "../events/findings.js";
import { positiveInteger, read, text } from "../events/payload-read.js";

/** The prefix of every check run this app creates. */
export const CHECK_NAME_PREFIX = "governance / ";

/**
 * `check_run`: a completed check of another app is a scan result (when its conclusion says
 * something was found); `rerequested` on one of our run check runs runs that workflow again.
 * A check run without a name or head sha means nothing here.
 */
export function checkRunTriggers(action: string | undefined, payload: unknown, ownAppId?: number): TriggerEvent[] {
  const check = read(payload, "check_run");
  const name = text(read(check, "name"));
  const headSha = text(read(check, "head_sha"));
  if (name === undefined || headSha === undefined) return [];
  const ours = name.startsWith(CHECK_NAME_PREFIX) && (ownAppId === undefined || read(check, "app", "id") === ownAppId);
  if (action === "completed" && !ours) {
    const finding = findingFromCheckRun(payload);
    // Any completed check may end a run's `wait: { for: checkCompleted }`.
    const completedAt = text(read(check, "completed_at"));
    const signal: TriggerEvent = {
      kind: "signal",
      signal: { type: "checkCompleted", name, headSha, conclusion: text(read(check, "conclusion")) ?? "", at: completedAt ?? new Date().toISOString() },
    };
    return finding ? [{ kind: "finding", action, finding }, signal] : [signal];
  }
  const runId = text(read(check, "external_id")) ?? "";
  const checkRunId = positiveInteger(read(check, "id"));
  // Validation checks (external id "validate:…") are redone by pushing, not re-requested.
  if (action === "rerequested" && ours && checkRunId !== undefined && runId !== "" && !runId.startsWith("validate:")) {
    return [{ kind: "rerun", checkRunId, runId, headSha }];
  }
  return [];
}
