import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { CANCEL_BY_COMMENT_PROBLEM, issueCommentTriggers } from "../../src/handlers/issue-comment.js";
import { RUN_USAGE } from "../../src/workflows/commands.js";

type Payload = Record<string, any> & { action?: string };
type Definition = { name: string; examples: Payload[] };

const NOW = new Date("2025-06-01T12:00:00.000Z");

/** A deep copy of the first real `issue_comment` example with this action, its body replaced. */
function comment(action: string, body: string): Payload {
  const payload = (examples as unknown as Definition[]).find((d) => d.name === "issue_comment")?.examples.find((e) => e.action === action);
  if (!payload) throw new Error(`no issue_comment.${action} example`);
  const copy = structuredClone(payload);
  copy.comment.body = body;
  return copy;
}

describe("issueCommentTriggers", () => {
  it("ignores the real example, which holds no command", () => {
    const payload = (examples as unknown as Definition[]).find((d) => d.name === "issue_comment")!.examples[0]!;
    expect(payload.comment.body).toBe("You are totally right! I'll get this fixed right away.");
    expect(issueCommentTriggers(payload.action, payload, NOW)).toStrictEqual({ triggers: [], problems: [] });
  });

  it("makes /governance run a manual trigger event", () => {
    const payload = comment("created", '/governance run triage reason="two words"');
    expect(issueCommentTriggers(payload.action, payload, NOW)).toStrictEqual({
      triggers: [{ kind: "manual", workflow: "triage", inputs: { reason: "two words" }, actor: "Codertocat", issueNumber: 1 }],
      problems: [],
    });
  });

  it("makes /approve and /reject approval signals at the comment's time", () => {
    const approve = comment("created", "/approve ship it");
    expect(issueCommentTriggers("created", approve, NOW)).toStrictEqual({
      triggers: [
        {
          kind: "signal",
          signal: { type: "approval", decision: "approve", actor: "Codertocat", at: "2019-05-15T15:20:21.000Z", via: "comment", issueNumber: 1, comment: "ship it" },
        },
      ],
      problems: [],
    });
    const reject = comment("created", "/reject");
    expect(issueCommentTriggers("created", reject, NOW).triggers).toStrictEqual([
      { kind: "signal", signal: { type: "approval", decision: "reject", actor: "Codertocat", at: "2019-05-15T15:20:21.000Z", via: "comment", issueNumber: 1 } },
    ]);
  });

  it("uses now when the comment has no usable creation time", () => {
    for (const createdAt of [undefined, null, "", "yesterday", "2019-13-45T99:99:99Z"]) {
      const payload = comment("created", "/approve");
      payload.comment.created_at = createdAt;
      expect(issueCommentTriggers("created", payload, NOW).triggers[0]).toMatchObject({ signal: { at: NOW.toISOString() } });
    }
  });

  it("works on pull request comments (the issue number is the pull request's)", () => {
    const payload = comment("created", "/approve");
    payload.issue.number = 42;
    payload.issue.pull_request = { url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/42" };
    expect(issueCommentTriggers("created", payload, NOW).triggers[0]).toMatchObject({ signal: { issueNumber: 42 } });
  });

  it("returns the parse error of an invalid command, and no trigger", () => {
    const payload = comment("created", "/governance run triage a=1 a=2");
    const result = issueCommentTriggers("created", payload, NOW);
    expect(result.triggers).toStrictEqual([]);
    expect(result.problems).toStrictEqual([`input "a" is given twice; ${RUN_USAGE}, or /governance cancel`]);
  });

  it("explains that cancelling by comment is not available", () => {
    expect(issueCommentTriggers("created", comment("created", "/governance cancel"), NOW)).toStrictEqual({ triggers: [], problems: [CANCEL_BY_COMMENT_PROBLEM] });
  });

  describe("ignores", () => {
    it.each(["edited", "deleted", undefined])("the %s action (the real examples)", (action) => {
      const payload = comment(action ?? "created", "/approve");
      expect(issueCommentTriggers(action, payload, NOW)).toStrictEqual({ triggers: [], problems: [] });
    });

    it("an edited comment whose new text is a command", () => {
      const payload = comment("edited", "/governance run triage");
      expect(payload.changes).toBeDefined();
      expect(issueCommentTriggers(payload.action, payload, NOW)).toStrictEqual({ triggers: [], problems: [] });
    });

    it.each([
      ["sender.type Bot", (p: Payload) => (p.sender.type = "Bot")],
      ["a [bot] login", (p: Payload) => (p.sender.login = "governance[bot]")],
      ["a comment written by a bot", (p: Payload) => (p.comment.user.type = "Bot")],
    ])("bots: %s", (_, change) => {
      for (const body of ["/approve", "/governance run x", "/governance run"]) {
        const payload = comment("created", body);
        change(payload);
        expect(issueCommentTriggers("created", payload, NOW)).toStrictEqual({ triggers: [], problems: [] });
      }
    });

    it("comments that are not commands", () => {
      for (const body of ["/approved", "> /approve", "```\n/approve\n```", "LGTM\n/approve"]) {
        expect(issueCommentTriggers("created", comment("created", body), NOW)).toStrictEqual({ triggers: [], problems: [] });
      }
    });

    it("payloads without a sender, a body or an issue number where one is needed", () => {
      const noSender = comment("created", "/approve");
      delete noSender.sender;
      const noBody = comment("created", "");
      noBody.comment.body = null;
      const noIssue = comment("created", "/approve");
      delete noIssue.issue;
      for (const payload of [noSender, noBody, noIssue, null, "text", {}]) {
        expect(issueCommentTriggers("created", payload, NOW)).toStrictEqual({ triggers: [], problems: [] });
      }
    });
  });

  it("starts a run without an issue number when the payload lacks one", () => {
    const payload = comment("created", "/governance run triage");
    delete payload.issue;
    expect(issueCommentTriggers("created", payload, NOW).triggers).toStrictEqual([{ kind: "manual", workflow: "triage", inputs: {}, actor: "Codertocat" }]);
  });
});
