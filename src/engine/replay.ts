import type { Run, StepRecord } from "../domain/run.js";

/** A step execution that can run now: new, or interrupted (`resume`) and to be run again. */
export interface Ready {
  stepId: string;
  /** Which execution of the step this is (1 for the first); part of its idempotency key. */
  execution: number;
  resume?: StepRecord;
}

/** Where a run stands, worked out from its step records alone. */
export interface Position {
  ready: Ready[];
  /** Executions that wait: for a time, an approval, an event, or a retry. */
  waiting: StepRecord[];
  /** Executions that failed and end their branch (continueOnError steps are not here). */
  failed: StepRecord[];
}

/**
 * Replays a run's step records against its workflow. Branches are followed from the first step
 * through each record's `next`; an execution is identified by its step id and execution number,
 * not by its place in the record list, so branches that wait and resume in any order replay to
 * the same position. Nothing but the records is needed: this is what makes a restart safe.
 */
export function locate(run: Run): Position {
  const steps = run.definition.steps;
  const records = new Map<string, StepRecord>();
  for (const r of run.steps) records.set(`${r.stepId}#${r.attempt}`, r);
  const counts = new Map<string, number>();
  const position: Position = { ready: [], waiting: [], failed: [] };
  const queue = [steps[0]!.id];
  // Bounded: every record is visited once, and a missing record stops its branch.
  for (let guard = 0; queue.length > 0 && guard < run.steps.length + steps.length * 4 + 16; guard++) {
    const stepId = queue.shift()!;
    const execution = (counts.get(stepId) ?? 0) + 1;
    counts.set(stepId, execution);
    const record = records.get(`${stepId}#${execution}`);
    if (!record) {
      position.ready.push({ stepId, execution });
      continue;
    }
    switch (record.status) {
      case "pending":
      case "running":
        position.ready.push({ stepId, execution, resume: record });
        break;
      case "waiting":
        position.waiting.push(record);
        break;
      case "succeeded":
        queue.push(...(record.next ?? []));
        break;
      case "failed":
        if (record.next !== undefined) queue.push(...record.next);
        else position.failed.push(record);
        break;
      case "skipped":
      case "cancelled":
        break;
    }
  }
  return position;
}
