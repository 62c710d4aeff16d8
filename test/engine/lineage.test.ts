import { describe, expect, it } from "vitest";
import type { Run, StepRecord } from "../../src/domain/run.js";
import { lineage } from "../../src/engine/replay.js";

/** A run of: triage (decision) -> [page, open-task] in parallel; open-task -> follow-up. */
function run(records: StepRecord[]): Run {
  const definition = {
    steps: [
      { id: "triage", type: "decision", next: { when: [{ if: "true", then: ["page", "open-task"] }] } },
      { id: "page", type: "action", action: { kind: "notify" }, next: [] },
      { id: "open-task", type: "action", action: { kind: "createIssue" } },
      { id: "follow-up", type: "action", action: { kind: "notify" } },
    ],
  };
  return { id: "r", definition, steps: records } as unknown as Run;
}

const rec = (stepId: string, next: string[] | undefined, status: StepRecord["status"] = "succeeded", attempt = 1): StepRecord => ({ stepId, type: "action", status, attempt, ...(next ? { next } : {}) });

describe("lineage: the executions that led to a step", () => {
  it("follows the step's own branch, nearest first, whatever a parallel branch did", () => {
    const r = run([rec("triage", ["page", "open-task"]), rec("open-task", ["follow-up"]), rec("page", [])]);
    expect(lineage(r, "page", 1).map((s) => s.stepId)).toEqual(["triage"]);
    expect(lineage(r, "follow-up", 1).map((s) => s.stepId)).toEqual(["open-task", "triage"]);
    // The same records in another order (the parallel branch finished first): the same answer.
    const swapped = run([rec("triage", ["page", "open-task"]), rec("page", []), rec("open-task", ["follow-up"])]);
    expect(lineage(swapped, "follow-up", 1).map((s) => s.stepId)).toEqual(["open-task", "triage"]);
    expect(lineage(r, "triage", 1)).toEqual([]);
  });

  it("is empty for an execution the records never reach", () => {
    const r = run([rec("triage", ["page"])]);
    expect(lineage(r, "follow-up", 1)).toEqual([]);
    expect(lineage(r, "page", 2)).toEqual([]);
  });
});
