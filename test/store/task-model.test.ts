// The task data model's pure rules (src/domain/task.ts), which every store and the assignTask action share: status transitions, related findings, patches.
import { describe, expect, it } from "vitest";
import { addRelatedFinding, applyTaskPatch, relatedFinding, taskTransition, TASK_LIMITS, type RemediationTask, type TaskEvent } from "../../src/domain/task.js";
import { at, makeTask, T0 } from "./fixtures.js";

const NOW = at(1_000);
const closedAt = NOW.toISOString();

describe("taskTransition", () => {
  it.each<[RemediationTask["status"], TaskEvent, ReturnType<typeof taskTransition>]>([
    ["open", { kind: "issueClosed", reason: "completed" }, { status: "completed", resolution: "issueCompleted", closedAt }],
    ["open", { kind: "issueClosed" }, { status: "completed", resolution: "issueCompleted", closedAt }],
    ["open", { kind: "issueClosed", reason: "not_planned" }, { status: "closed", resolution: "issueNotPlanned", closedAt }],
    ["open", { kind: "issueClosed", reason: "duplicate" }, { status: "closed", resolution: "issueNotPlanned", closedAt }],
    ["open", { kind: "alertFixed" }, { status: "completed", resolution: "alertFixed", closedAt }],
    ["closed", { kind: "alertFixed" }, { status: "completed", resolution: "alertFixed", closedAt }],
    ["open", { kind: "alertDismissed" }, { status: "closed", resolution: "alertDismissed", closedAt }],
    ["completed", { kind: "issueReopened" }, { status: "open", resolution: null, closedAt: null }],
    ["closed", { kind: "alertReopened" }, { status: "open", resolution: null, closedAt: null }],
    // Already where the event would put it: nothing changes (the issue the engine closes after a fix stays alertFixed).
    ["completed", { kind: "issueClosed" }, undefined],
    ["completed", { kind: "alertFixed" }, undefined],
    ["completed", { kind: "alertDismissed" }, undefined],
    ["open", { kind: "issueReopened" }, undefined],
    ["open", { kind: "alertReopened" }, undefined],
  ])("a %s task, %j: %j", (status, event, expected) => {
    expect(taskTransition({ status }, event, NOW)).toEqual(expected);
  });
});

describe("addRelatedFinding", () => {
  const f = { fingerprint: "codeScanning:1:9", url: "u", title: "t", severity: "low" as const, source: "codeScanning" as const };

  it("adds a finding with the time it was first seen, and only its own fields", () => {
    const { relatedFindings, outcome } = addRelatedFinding({ relatedFindings: [] }, { ...f, rule: "r", tool: "CodeQL" } as typeof f, NOW);
    expect(outcome).toBe("added");
    expect(relatedFindings).toEqual([{ ...f, firstSeenAt: NOW.toISOString() }]);
    // A related finding keeps its own first-seen time.
    expect(addRelatedFinding({ relatedFindings: [] }, relatedFinding(f, T0), NOW).relatedFindings[0]!.firstSeenAt).toBe(T0.toISOString());
  });

  it("never lists one occurrence (fingerprint and url) twice, adds the same fingerprint at another url, and stops at the limit", () => {
    const task = makeTask();
    const own = task.relatedFindings[0]!;
    const again = addRelatedFinding(task, { ...f, fingerprint: own.fingerprint, url: own.url }, NOW);
    expect(again).toEqual({ relatedFindings: task.relatedFindings, outcome: "present" });
    const elsewhere = addRelatedFinding(task, { ...f, fingerprint: own.fingerprint, url: "https://scanner.example/report/2" }, NOW);
    expect(elsewhere.outcome).toBe("added");
    expect(elsewhere.relatedFindings.map((r) => [r.fingerprint, r.url])).toEqual([[own.fingerprint, own.url], [own.fingerprint, "https://scanner.example/report/2"]]);
    const full = { relatedFindings: Array.from({ length: TASK_LIMITS.relatedFindings }, (_, i) => relatedFinding({ ...f, fingerprint: `fp${i}` }, T0)) };
    expect(addRelatedFinding(full, f, NOW).outcome).toBe("full");
    expect(full.relatedFindings).toHaveLength(TASK_LIMITS.relatedFindings);
  });
});

describe("applyTaskPatch", () => {
  it("replaces what is given, removes what is null, and leaves identity alone", () => {
    const task: RemediationTask = { ...makeTask({ status: "completed", resolution: "alertFixed", closedAt }), version: 3 };
    const next = applyTaskPatch(task, { status: "open", resolution: null, closedAt: null, assignedTo: ["x"], id: "other", version: 9 } as never);
    expect(next).toEqual({ ...task, status: "open", assignedTo: ["x"], resolution: undefined, closedAt: undefined });
    expect(next).not.toHaveProperty("closedAt");
    expect(next).not.toHaveProperty("resolution");
    expect(task.status).toBe("completed");
  });
});
