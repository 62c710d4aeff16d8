/** How the CLI's dry run gets past waits: timers and events end as if they came, approvals take the `--approve`/`--reject` answer. */
import type { Clock, Store } from "../domain/ports.js";
import type { Run, StepRecord } from "../domain/run.js";
import { formatDuration } from "../workflows/durations.js";
import { runJob } from "./runner.js";
import { completeWaiting } from "./step-outcomes.js";

/** How a dry run answers approvals: approve, reject, or leave them waiting. */
export type DryRunApproval = "approve" | "reject" | undefined;

/** How a dry run ends a dispatched workflow run (`--remediation`): with success or failure, or leave it waiting. */
export type DryRunRemediation = "success" | "failure" | undefined;

/**
 * Moves a dry run past its waits: timers and event waits end as if their time or event had
 * come ("would wait 24h"), approvals take the answer given on the command line. Returns the
 * run with its waiting steps completed, and a note per step for the trace.
 */
export function skipWaits(run: Run, approval: DryRunApproval, now: Date, remediation?: DryRunRemediation): { run: Run; notes: Record<string, string>; changed: boolean } {
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
        if (w.event === "workflowRunCompleted") {
          if (!remediation) {
            notes[record.stepId] = "waits for the dispatched run (pass --remediation success or --remediation failure to simulate its end)";
            return record;
          }
          notes[record.stepId] = `the dispatched run ends ${remediation} (--remediation)`;
          changed = true;
          return completeWaiting(run, record, remediation, now, log, { conclusion: remediation });
        }
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

/**
 * Moves a dry run's waiting runs forward as it promises: timers and events as if they came,
 * approvals as `approval` says; `drain` then runs the jobs that continue them. Returns the
 * notes per run and step for the trace.
 */
export async function skipForward(store: Store, drain: () => Promise<unknown>, approval: DryRunApproval, clock: Clock, remediation?: DryRunRemediation): Promise<Record<string, Record<string, string>>> {
  const notes: Record<string, Record<string, string>> = {};
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let moved = false;
    for (const listed of await store.listRuns({ status: "running", limit: 500 })) {
      const run = (await store.getRun(listed.id)) ?? listed;
      const skipped = skipWaits(run, approval, clock.now(), remediation);
      notes[run.id] = { ...notes[run.id], ...skipped.notes };
      if (!skipped.changed) continue;
      moved = true;
      const result = await store.commitRun(skipped.run, { jobs: [runJob(run, `run:${run.id}:dry-run:${round}`, clock.now())] });
      if (!result.committed) throw new Error(`run ${run.id} changed while the dry run moved it on`);
    }
    if (!moved) break;
    await drain();
  }
  return notes;
}

/** A workflow loops at most this many times through its waits in a dry run (cycles are bounded anyway). */
const MAX_ROUNDS = 100;
