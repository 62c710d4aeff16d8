/** Maps `issues` webhooks to trigger events: a closed issue is a signal for runs waiting for it. */
import type { TriggerEvent } from "../domain/events.js";
import { positiveInteger, read, text } from "../events/payload-read.js";

/** `issues.closed` → a signal for runs waiting for that issue (`wait: { for: issueClosed }`). */
export function issuesTriggers(action: string | undefined, payload: unknown, now: Date): TriggerEvent[] {
  const number = positiveInteger(read(payload, "issue", "number"));
  const repository = text(read(payload, "repository", "full_name"));
  if (action !== "closed" || number === undefined || repository === undefined) return [];
  const closedAt = text(read(payload, "issue", "closed_at"));
  return [{ kind: "signal", signal: { type: "issueClosed", repository, number, at: closedAt ?? now.toISOString() } }];
}
