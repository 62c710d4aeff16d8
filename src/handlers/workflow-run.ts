/**
 * Maps `workflow_run` webhooks to signals: a GitHub Actions run requested, started or completed
 * is what a runRemediation step waits for (by run id, or, before the id is known, by its
 * workflow, event, actor and creation time).
 */
import type { TriggerEvent } from "../domain/events.js";
import { positiveInteger, read, text } from "../events/payload-read.js";

/** The longest text kept from a run's fields (paths, logins and URLs are much shorter). */
const MAX_FIELD = 500;

/** `workflow_run.requested|in_progress|completed` → a signal; a run without an id or workflow path means nothing here. */
export function workflowRunTriggers(action: string | undefined, payload: unknown, now: Date): TriggerEvent[] {
  const run = read(payload, "workflow_run");
  const runId = positiveInteger(read(run, "id"));
  const workflowPath = short(read(run, "path"));
  if (runId === undefined || workflowPath === undefined) return [];
  const status = short(read(run, "status")) ?? action ?? "";
  const conclusion = short(read(run, "conclusion"));
  return [
    {
      kind: "signal",
      signal: {
        type: "workflowRun",
        runId,
        workflowPath,
        event: short(read(run, "event")) ?? "",
        actor: short(read(run, "triggering_actor", "login")) ?? short(read(run, "actor", "login")) ?? "",
        createdAt: short(read(run, "created_at")) ?? now.toISOString(),
        status,
        ...(conclusion ? { conclusion } : {}),
        url: short(read(run, "html_url")) ?? "",
        at: short(read(run, "updated_at")) ?? now.toISOString(),
      },
    },
  ];
}

function short(value: unknown): string | undefined {
  const t = text(value);
  return t !== undefined && t.length <= MAX_FIELD ? t : undefined;
}
