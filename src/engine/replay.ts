/** Works out where a run stands (ready, waiting and failed step executions) and a step's lineage from its step records alone, which makes restarts safe. */
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

/**
 * The executions that led to the `execution`-th execution of `stepId`, nearest first: the
 * chain of `next` choices from the first step to it. A parallel branch's executions are not
 * in it, so whatever they did (and in whichever order) does not change what this step sees.
 */
export function lineage(run: Run, stepId: string, execution: number): StepRecord[] {
  const steps = run.definition.steps;
  const records = new Map<string, StepRecord>();
  for (const r of run.steps) records.set(`${r.stepId}#${r.attempt}`, r);
  const counts = new Map<string, number>();
  const seen: { record: StepRecord; from: number | undefined }[] = [];
  const queue: { stepId: string; from: number | undefined }[] = [{ stepId: steps[0]!.id, from: undefined }];
  const chain = (from: number | undefined): StepRecord[] => {
    const out: StepRecord[] = [];
    for (let at = from; at !== undefined; at = seen[at]!.from) out.push(seen[at]!.record);
    return out;
  };
  for (let guard = 0; queue.length > 0 && guard < run.steps.length + steps.length * 4 + 16; guard++) {
    const item = queue.shift()!;
    const n = (counts.get(item.stepId) ?? 0) + 1;
    counts.set(item.stepId, n);
    if (item.stepId === stepId && n === execution) return chain(item.from);
    const record = records.get(`${item.stepId}#${n}`);
    // Only a finished execution leads anywhere (as in locate).
    if (!record || (record.status !== "succeeded" && record.status !== "failed") || record.next === undefined) continue;
    seen.push({ record, from: item.from });
    for (const next of record.next) queue.push({ stepId: next, from: seen.length - 1 });
  }
  return [];
}
