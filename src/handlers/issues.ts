/** Maps `issues` webhooks to trigger events: a closed issue is a signal for runs waiting for it and for its task; a reopened one reopens its task. */
import type { TriggerEvent } from "../domain/events.js";
import { positiveInteger, read, text } from "../events/payload-read.js";

/** `issues.closed` → a signal for runs waiting for that issue (`wait: { for: issueClosed }`) and for the task it mirrors; `issues.reopened` reopens that task. */
export function issuesTriggers(action: string | undefined, payload: unknown, now: Date): TriggerEvent[] {
  const number = positiveInteger(read(payload, "issue", "number"));
  const repository = text(read(payload, "repository", "full_name"));
  if (number === undefined || repository === undefined) return [];
  if (action === "reopened") return [{ kind: "signal", signal: { type: "issueReopened", repository, number, at: now.toISOString() } }];
  if (action !== "closed") return [];
  const closedAt = text(read(payload, "issue", "closed_at"));
  const reason = text(read(payload, "issue", "state_reason"));
  return [{ kind: "signal", signal: { type: "issueClosed", repository, number, at: closedAt ?? now.toISOString(), ...(reason && reason.length <= 40 ? { reason } : {}) } }];
}
