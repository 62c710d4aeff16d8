import type { Run, StepRecord } from "../domain/run.js";
import { formatDuration } from "../workflows/durations.js";
import { completeWaiting } from "./runner.js";

/** How a dry run answers approvals: approve, reject, or leave them waiting. */
export type DryRunApproval = "approve" | "reject" | undefined;

/**
 * Moves a dry run past its waits: timers and event waits end as if their time or event had
 * come ("would wait 24h"), approvals take the answer given on the command line. Returns the
 * run with its waiting steps completed, and a note per step for the trace.
 */
export function skipWaits(run: Run, approval: DryRunApproval, now: Date): { run: Run; notes: Record<string, string>; changed: boolean } {
  const notes: Record<string, string> = {};
  const log = () => {};
  let changed = false;
  const steps = run.steps.map((record): StepRecord => {
    const w = record.waiting;
    if (record.status !== "waiting" || !w) return record;
    switch (w.kind) {
      case "timer":
      case "retry": {
        notes[record.stepId] = `would wait ${formatDuration(Math.max(0, new Date(w.until).getTime() - now.getTime()))}`;
        changed = true;
        if (w.kind === "retry") return { ...record, status: "failed", error: w.lastError };
        return completeWaiting(run, record, "done", now, log);
      }
      case "event":
        notes[record.stepId] = `would wait for ${w.event === "issueClosed" ? `${w.target} to close` : w.event === "alertResolved" ? "the alert to be resolved" : `the check ${w.target.split("@")[0]}`}`;
        changed = true;
        return completeWaiting(run, record, "done", now, log);
      case "approval":
        if (!approval) {
          notes[record.stepId] = "waits for approval (pass --approve or --reject to continue)";
          return record;
        }
        notes[record.stepId] = `answered by --${approval}`;
        changed = true;
        return completeWaiting(run, record, approval === "approve" ? "approved" : "rejected", now, log, { by: "dry-run" });
    }
  });
  return { run: { ...run, steps }, notes, changed };
}
