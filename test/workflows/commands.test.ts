import { describe, expect, it } from "vitest";
import { COMMAND_LIMITS, parseCommand, RUN_USAGE } from "../../src/workflows/commands.js";

/** The message of an invalid command (fails the test when the command is valid). */
function problem(body: string): string {
  const command = parseCommand(body);
  if (command?.type !== "invalid") throw new Error(`expected an invalid command, got ${JSON.stringify(command)}`);
  expect(command.message).toContain(RUN_USAGE);
  return command.message;
}

describe("/governance run", () => {
  it("reads the workflow and key=value inputs", () => {
    expect(parseCommand("/governance run triage reason=audit urgency=urgent")).toStrictEqual({
      type: "run",
      workflow: "triage",
      inputs: { reason: "audit", urgency: "urgent" },
    });
  });

  it("takes no inputs", () => {
    expect(parseCommand("/governance run triage")).toStrictEqual({ type: "run", workflow: "triage", inputs: {} });
  });

  it("is case-insensitive in its command words, not in the workflow or the values", () => {
    expect(parseCommand("/GOVERNANCE Run Triage Reason=Audit")).toStrictEqual({ type: "run", workflow: "Triage", inputs: { Reason: "Audit" } });
  });

  it("reads quoted workflow names, double or single", () => {
    expect(parseCommand('/governance run "My workflow" a=1')).toMatchObject({ workflow: "My workflow", inputs: { a: "1" } });
    expect(parseCommand("/governance run 'My workflow'")).toMatchObject({ workflow: "My workflow" });
  });

  it("reads quoted values with escapes, and keeps other backslashes", () => {
    expect(parseCommand('/governance run x reason="two words" q="say \\"hi\\"" path="C:\\dir" s=\'it\\\'s\' e=""')).toMatchObject({
      inputs: { reason: "two words", q: 'say "hi"', path: "C:\\dir", s: "it's", e: "" },
    });
  });

  it("keeps = signs after the first in a value", () => {
    expect(parseCommand("/governance run x query=a=b")).toMatchObject({ inputs: { query: "a=b" } });
  });

  it("allows leading blank lines and up to three spaces of indentation, and ignores the rest of the comment", () => {
    expect(parseCommand("\n\n   /governance run triage a=1\nthanks!\n/approve")).toMatchObject({ type: "run", workflow: "triage" });
    expect(parseCommand("\r\n/governance run triage\r\nmore")).toMatchObject({ workflow: "triage", inputs: {} });
  });

  it("keeps an input named like an Object.prototype member as plain data", () => {
    const command = parseCommand("/governance run x __proto__=1 constructor=2");
    expect(command).toMatchObject({ type: "run" });
    const inputs = (command as { inputs: Record<string, string> }).inputs;
    expect(Object.getPrototypeOf(inputs)).toBe(Object.prototype);
    expect(Object.hasOwn(inputs, "__proto__")).toBe(true);
    expect(inputs.constructor).toBe("2");
  });

  it("accepts 50 inputs of 4,000 characters", () => {
    const long = "v".repeat(COMMAND_LIMITS.maxValueLength);
    expect(parseCommand(`/governance run x a=${long}`)).toMatchObject({ inputs: { a: long } });
    const fifty = Array.from({ length: 50 }, (_, i) => `k${i}=${i}`).join(" ");
    expect(Object.keys((parseCommand(`/governance run x ${fifty}`) as { inputs: object }).inputs)).toHaveLength(50);
  });

  describe("errors name the problem and the usage", () => {
    it.each([
      ["/governance run", "missing the workflow to run"],
      ["/governance run   ", "missing the workflow to run"],
      ['/governance run ""', "the workflow name is empty"],
      ["/governance run reason=x", '"reason=x" looks like an input, but the workflow comes first'],
      ["/governance run x a=1 a=2", 'input "a" is given twice'],
      ["/governance run x a=1 urgent", '"urgent" is not a key=value input'],
      ["/governance run x =1", 'an input name is missing before "=1"'],
      ["/governance run x 1a=1", 'invalid input name "1a": names are a letter or _ followed by letters, digits and _'],
      ["/governance run x my-key=1", 'invalid input name "my-key"'],
      ['/governance run "My workflow', "unterminated \" quote in the workflow name"],
      ['/governance run x reason="two words', 'unterminated " quote in input "reason"'],
      ["/governance run x reason='it", 'unterminated \' quote in input "reason"'],
      ['/governance run x "abc', 'unterminated " quote in an input'],
      ['/governance run x q="a\\"', 'unterminated " quote in input "q"'],
      ["/governance", "missing a command after /governance"],
      ["/governance rum x", 'unknown command "rum" (did you mean "run"?)'],
      ["/governance cancle", 'unknown command "cancle" (did you mean "cancel"?)'],
      ["/governance status", 'unknown command "status"'],
      ["/governance cancel now", "/governance cancel takes no arguments"],
    ])("%s", (body, message) => {
      expect(problem(body)).toContain(message);
    });

    it("refuses more than 50 inputs", () => {
      const many = Array.from({ length: 51 }, (_, i) => `k${i}=${i}`).join(" ");
      expect(problem(`/governance run x ${many}`)).toContain("too many inputs: at most 50");
    });

    it("refuses a value longer than 4,000 characters", () => {
      expect(problem(`/governance run x a="${"v".repeat(4001)}"`)).toContain('input "a" is longer than 4000 characters');
    });

    it("refuses a run line longer than 10,000 characters instead of dropping inputs", () => {
      const line = `/governance run x a=${"v".repeat(COMMAND_LIMITS.maxLineLength)}`;
      expect(problem(line)).toContain("the command is longer than 10000 characters");
    });

    it("cuts user text quoted in a message", () => {
      const message = problem(`/governance run x ${"y".repeat(500)}`);
      expect(message).toContain(`"${"y".repeat(59)}…" is not a key=value input`);
      expect(message.length).toBeLessThan(300);
    });
  });
});

describe("/governance cancel", () => {
  it("reads the command", () => {
    expect(parseCommand("/governance cancel")).toStrictEqual({ type: "cancel" });
    expect(parseCommand("  /Governance CANCEL  \nbecause it is stuck")).toStrictEqual({ type: "cancel" });
  });
});

describe("/approve and /reject", () => {
  it("reads the command with and without a comment", () => {
    expect(parseCommand("/approve")).toStrictEqual({ type: "approve" });
    expect(parseCommand("/APPROVE   Looks good to me  ")).toStrictEqual({ type: "approve", comment: "Looks good to me" });
    expect(parseCommand("/reject not before the freeze\nmore details below")).toStrictEqual({ type: "reject", comment: "not before the freeze" });
    expect(parseCommand("/Reject\n\nreasons")).toStrictEqual({ type: "reject" });
  });

  it("reads at most 10,000 characters of the line, marking the cut", () => {
    const command = parseCommand(`/approve ${"x".repeat(20_000)}`) as { comment: string };
    expect(command.comment.length).toBe(COMMAND_LIMITS.maxLineLength - "/approve ".length + 1);
    expect(command.comment.endsWith("…")).toBe(true);
  });
});

describe("not commands", () => {
  it.each([
    ["empty", ""],
    ["blank", " \n\t\n"],
    ["plain text", "You are totally right! I'll get this fixed right away."],
    ["a longer command word", "/approved"],
    ["a command word with punctuation", "/approve: yes"],
    ["another command", "/deploy now"],
    ["text before the command", "I think /approve"],
    ["text on the first line, command on the second", "Looks good.\n/approve"],
    ["a quote", "> /approve"],
    ["a quoted run", "> /governance run triage"],
    ["a fenced code block", "```\n/governance run triage\n```"],
    ["a tilde fence", "~~~\n/approve\n~~~"],
    ["an indented code block", "    /approve"],
    ["a tab-indented code block", "\t/approve"],
    ["inline code", "`/approve`"],
    ["a list item", "- /approve"],
    ["a prefix of /governance", "/governanceX run x"],
  ])("%s", (_, body) => {
    expect(parseCommand(body)).toBeUndefined();
  });

  it("costs little on a huge comment", () => {
    const body = `${" ".repeat(100_000)}hello ${"/approve ".repeat(100_000)}`;
    const started = performance.now();
    expect(parseCommand(body)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(200);
  });
});
