import { describe, expect, it } from "vitest";
import { issueOpenedBy, issuesOpenedInRepository, type StepRecord } from "../../src/domain/run.js";

const step = (over: Partial<StepRecord>): StepRecord => ({ stepId: "s", type: "action", status: "succeeded", attempt: 1, ...over });

describe("which issue a step opened: one answer for waits, comments and votes", () => {
  it("a createIssue's number, in the run's repository", () => {
    expect(issueOpenedBy(step({ kind: "createIssue", outputs: { number: 7 } }), "acme/api")).toEqual({ repository: "acme/api", number: 7 });
  });

  it("in the step's project: a repository of the run's owner", () => {
    expect(issueOpenedBy(step({ kind: "createIssue", parameters: { project: "ops" }, outputs: { number: 7 } }), "acme/api")).toEqual({ repository: "acme/ops", number: 7 });
  });

  it("an assignTask's issueNumber, or its number", () => {
    expect(issueOpenedBy(step({ kind: "assignTask", outputs: { issueNumber: 9 } }), "acme/api")).toEqual({ repository: "acme/api", number: 9 });
    expect(issueOpenedBy(step({ kind: "assignTask", outputs: { number: 10 } }), "acme/api")).toEqual({ repository: "acme/api", number: 10 });
  });

  it("nothing for a step that did not succeed, for other kinds, or without a number", () => {
    expect(issueOpenedBy(step({ kind: "createIssue", status: "failed", outputs: { number: 7 } }), "acme/api")).toBeUndefined();
    expect(issueOpenedBy(step({ kind: "notify", outputs: { number: 7 } }), "acme/api")).toBeUndefined();
    expect(issueOpenedBy(step({ kind: "createIssue", outputs: { number: "7" } }), "acme/api")).toBeUndefined();
  });

  it("the run's own repository's issues are the ones whose comments may vote, a project naming it included", () => {
    const run = {
      repository: "acme/API",
      steps: [
        step({ kind: "createIssue", outputs: { number: 1 } }),
        step({ kind: "createIssue", parameters: { project: "ops" }, outputs: { number: 2 } }),
        step({ kind: "assignTask", parameters: { project: "api" }, outputs: { issueNumber: 3 } }),
        step({ kind: "createIssue", status: "waiting", outputs: { number: 4 } }),
      ],
    };
    expect(issuesOpenedInRepository(run)).toEqual([1, 3]);
  });
});
