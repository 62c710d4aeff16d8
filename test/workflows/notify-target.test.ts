import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../../src/workflows/index.js";

const head = (triggers: string) => `name: Notify\nversion: 1.0.0\ntriggers:\n${triggers}steps:\n`;
const SCAN = "  - type: onScanResult\n";
const PR = "  - type: onPR\n";
const SCHEDULE = '  - type: onSchedule\n    config: { cron: "0 9 * * 1" }\n';
const notifyStep = (id: string, parameters: string, next = "") => `  - id: ${id}\n    type: action\n    action: { kind: notify, parameters: ${parameters} }\n${next}`;
const issueStep = (id: string, next = "") => `  - id: ${id}\n    type: action\n    action: { kind: createIssue }\n${next}`;

const problems = (text: string) => loadWorkflow(".governance/n.yml", text).diagnostics.map((d) => `${d.line}:${d.col} ${d.severity}: ${d.message}`);

describe("notify: something to comment on", () => {
  it("accepts mentions with a channel on a trigger without pull requests: they go with the message", () => {
    expect(problems(head(SCAN) + notifyStep("page", '{ channel: "#sec", mention: [octocat] }'))).toEqual([]);
  });

  it("refuses a comment no run of the workflow could make, at the parameter", () => {
    expect(problems(head(SCAN + SCAN) + notifyStep("say", "{ comment: true }"))).toEqual([
      "9:52 error: steps[0].action.parameters.comment: this step comments (comment is set, or it mentions people without a channel), but it has nothing to comment on: a run started by onScanResult has no pull request or issue, and no createIssue or assignTask step runs before this one on every path; send it to a channel, or open an issue with a createIssue step before it",
    ]);
    // Mentions and no channel: a comment too.
    expect(problems(head(SCHEDULE) + notifyStep("say", "{ mention: [octocat] }"))).toHaveLength(1);
  });

  it("accepts it after a createIssue step that every path goes through, not one on a parallel branch", () => {
    expect(problems(head(SCAN) + issueStep("open") + notifyStep("say", "{ comment: true }"))).toEqual([]);
    const parallel =
      head(SCAN) +
      "  - id: fork\n    type: decision\n    next:\n      when:\n        - if: \"true\"\n          then: [open, say]\n" +
      issueStep("open", "    next: []\n") +
      notifyStep("say", "{ comment: true }");
    expect(problems(parallel)).toEqual([expect.stringMatching(/^\d+:\d+ error: steps\[2\]\.action\.parameters\.comment: this step comments/)]);
  });

  it("warns when only some triggers' runs have nothing to comment on", () => {
    expect(problems(head(PR + SCHEDULE) + notifyStep("say", "{ comment: Looked at }"))).toEqual([
      expect.stringMatching(/ warning: steps\[0\]\.action\.parameters\.comment: this step comments \(comment is set, or it mentions people without a channel\); a run started by onSchedule has no pull request or issue to comment on, and this step then fails;/),
    ]);
    expect(problems(head(PR) + notifyStep("say", "{ comment: true }"))).toEqual([]);
  });

  it("says a step sends nowhere when its comment is off and it has no channel", () => {
    expect(problems(head(PR) + notifyStep("say", "{ comment: false, mention: [octocat] }"))).toEqual([
      expect.stringMatching(/ error: steps\[0\]\.action\.parameters: notify needs somewhere to send to: channel, channels, comment or mention$/),
    ]);
  });
});
