/** Changes a run from outside the runner (signals, cancels, give-ups) as its single writer: optimistic commits, retried on conflict. */
import type { NewJob, Store } from "../domain/ports.js";
import type { LogEntry, Run, StepRecord } from "../domain/run.js";

/** What a change makes of a run: its new state, the log lines that say so, the jobs it schedules. */
export interface RunChange {
  run: Run;
  log: LogEntry[];
  jobs?: NewJob[];
}

/** Attempts at a change before giving up: each conflict means another writer just committed. */
const MAX_TRIES = 20;

/**
 * Changes a run as its single writer, from outside the runner (a signal, a cancel, a run given
 * up): reads it, asks `change` what it becomes, and commits that over the version read. On a
 * conflict it reads the run again and asks again, so the change is made to the state it is
 * made against, and never lost to, or overwritten by, a concurrent commit. `change` returns
 * undefined to leave the run as it is. Returns the committed run, or undefined.
 */
export async function changeRun(store: Store, runId: string, change: (run: Run) => Promise<RunChange | undefined> | RunChange | undefined): Promise<Run | undefined> {
  for (let attempt = 1; ; attempt++) {
    const run = await store.getRun(runId);
    if (!run) return undefined;
    const next = await change(run);
    if (!next) return undefined;
    const result = await store.commitRun({ ...next.run, version: run.version }, { log: next.log, jobs: next.jobs ?? [] });
    if (result.committed) return { ...next.run, version: result.version, log: [...run.log, ...next.log] };
    if (attempt >= MAX_TRIES) throw new Error(`run ${runId}: could not commit a change after ${MAX_TRIES} tries: other writers kept committing first`);
  }
}

/** Whether a run has ended. */
export function isFinishedRun(run: Run): boolean {
  return run.status === "succeeded" || run.status === "failed" || run.status === "cancelled";
}

/** The steps of a run that ends now: those still waiting or interrupted are cancelled with it. */
export function endSteps(steps: readonly StepRecord[], now: string): StepRecord[] {
  return steps.map((s) => (s.status === "waiting" || s.status === "running" || s.status === "pending" ? { ...s, status: "cancelled" as const, finishedAt: now } : s));
}
