import type { TriggerEvent } from "../domain/events.js";

interface IssuesPayload {
  issue?: { number?: number; closed_at?: string | null };
  repository?: { full_name?: string };
}

/** `issues.closed` → a signal for runs waiting for that issue (`wait: { for: issueClosed }`). */
export function issuesTriggers(action: string | undefined, payload: unknown, now: Date): TriggerEvent[] {
  const p = payload as IssuesPayload;
  if (action !== "closed" || typeof p.issue?.number !== "number" || !p.repository?.full_name) return [];
  return [{ kind: "signal", signal: { type: "issueClosed", repository: p.repository.full_name, number: p.issue.number, at: p.issue.closed_at ?? now.toISOString() } }];
}
