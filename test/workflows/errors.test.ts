import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../../src/workflows/index.js";
import { errorsOf, FIXTURES, loadFixture } from "../helpers/fixtures.js";

/**
 * One case per kind of error: the fixture named after it fails with exactly one error, at the
 * line and column of the offending node, with a message that says what is wrong.
 */
const CASES: Array<{ file: string; line: number; col: number; pointer: string; message: string | RegExp }> = [
  // load stage
  { file: "invalid/empty.yml", line: 1, col: 1, pointer: "", message: "the file is empty" },
  // parse stage
  { file: "invalid/yaml-syntax.yml", line: 4, col: 1, pointer: "", message: /^YAML syntax error: / },
  { file: "invalid/json-syntax.json", line: 4, col: 37, pointer: "", message: "JSON syntax error: trailing comma before ]" },
  { file: "invalid/duplicate-key.yml", line: 8, col: 5, pointer: "/steps/0/id", message: 'steps[0].id: duplicate key "id" in steps[0] (first defined at line 5)' },
  { file: "invalid/multiple-documents.yml", line: 3, col: 1, pointer: "", message: "a workflow file holds one YAML document" },
  // schema stage
  {
    file: "invalid/unknown-action-kind.yml",
    line: 9,
    col: 13,
    pointer: "/steps/0/action/kind",
    message: 'steps[0].action.kind: unknown action kind "createIsue"; expected one of createIssue, assignTask, runRemediation, notify, runScript (did you mean "createIssue"?)',
  },
  {
    file: "invalid/unknown-trigger-type.yml",
    line: 5,
    col: 11,
    pointer: "/triggers/1/type",
    message: 'triggers[1].type: unknown trigger type "onScan"; expected one of onScanResult, onPR, onSchedule, manual (did you mean "onScanResult"?)',
  },
  {
    file: "invalid/unknown-step-type.yml",
    line: 6,
    col: 11,
    pointer: "/steps/0/type",
    message: 'steps[0].type: unknown step type "approve"; expected one of action, decision, approval, wait (did you mean "approval"?)',
  },
  { file: "invalid/missing-required-field.yml", line: 1, col: 1, pointer: "", message: 'missing required field "version"' },
  { file: "invalid/unknown-field.yml", line: 8, col: 5, pointer: "/steps/0/nxt", message: /^steps\[0\]: unknown field "nxt" \(did you mean "next"\?\); expected one of id, name, / },
  { file: "invalid/wrong-type.yml", line: 4, col: 3, pointer: "/triggers", message: "triggers: must be a list, not a mapping" },
  { file: "invalid/invalid-semver.yml", line: 2, col: 10, pointer: "/version", message: 'version: must be a string, not a number (a version needs three numbers: "1.0.0")' },
  {
    file: "invalid/invalid-severity.yml",
    line: 6,
    col: 20,
    pointer: "/triggers/0/config/minSeverity",
    message: 'triggers[0].config.minSeverity: unknown severity "severe"; expected one of low, medium, high, critical',
  },
  { file: "invalid/invalid-duration.yml", line: 8, col: 17, pointer: "/steps/0/wait/duration", message: /"2 days" must be a duration such as 30s/ },
  { file: "invalid/channel-url.yml", line: 10, col: 18, pointer: "/steps/0/action/parameters/channel", message: /must be a channel name such as #sec-team \(webhook URLs belong in the operator's configuration/ },
  // compile stage
  { file: "invalid/unknown-next-target.yml", line: 8, col: 16, pointer: "/steps/0/next/1", message: 'steps[0].next[1]: refers to unknown step "s9" (known: s1, s2)' },
  { file: "invalid/duplicate-step-id.yml", line: 8, col: 9, pointer: "/steps/1/id", message: 'steps[1].id: duplicate step id "s1" (already used by steps[0])' },
  { file: "invalid/unbounded-cycle.yml", line: 5, col: 5, pointer: "/steps/0/next", message: "steps[0].next: the steps open → wait form a cycle with no bound; set maxRuns on one of them" },
  { file: "invalid/expression-syntax.yml", line: 9, col: 44, pointer: "/steps/0/next/when/0/if", message: "steps[0].next.when[0].if: invalid expression: Unexpected token: EOF" },
  { file: "invalid/template-unclosed.yml", line: 10, col: 21, pointer: "/steps/0/action/parameters/title", message: "steps[0].action.parameters.title: unclosed ${{ (missing }})" },
  { file: "invalid/unknown-variable.yml", line: 10, col: 24, pointer: "/steps/0/action/parameters/title", message: /unknown variable "alert"; expressions can use event, repository, pullRequest, finding, inputs, steps, run, workflow/ },
  { file: "invalid/forbidden-member.yml", line: 10, col: 27, pointer: "/steps/0/action/parameters/body", message: '"__proto__" cannot be accessed in an expression' },
  { file: "invalid/unknown-step-output.yml", line: 13, col: 36, pointer: "/steps/1/action/parameters/comment", message: 'unknown step "opne" in steps.opne (known: open, tell)' },
  { file: "invalid/regex-function.yml", line: 9, col: 15, pointer: "/steps/0/next/when/0/if", message: /matches\(\) is not available/ },
  { file: "invalid/invalid-cron.yml", line: 6, col: 13, pointer: "/triggers/0/config/cron", message: '"61 9 * * *" is not a valid cron expression: Invalid value for minute: 61' },
  { file: "invalid/invalid-timezone.yml", line: 7, col: 17, pointer: "/triggers/0/config/timezone", message: '"Europe/Atlantis" is not a known time zone' },
  { file: "invalid/zero-duration.yml", line: 8, col: 17, pointer: "/steps/0/wait/duration", message: "steps[0].wait.duration: must be longer than 0" },
  { file: "invalid/notify-without-target.yml", line: 10, col: 9, pointer: "/steps/0/action/parameters", message: "notify needs somewhere to send to: channel, channels, comment or mention" },
  { file: "invalid/wait-two-modes.yml", line: 8, col: 7, pointer: "/steps/0/wait", message: "steps[0].wait: sets duration and for; choose one of duration, until or for" },
  { file: "invalid/approvals-exceed-approvers.yml", line: 9, col: 21, pointer: "/steps/0/approval/minApprovals", message: "needs 2 approvals but only 1 approver(s) are listed" },
];

describe("validation errors point at the offending node", () => {
  it.each(CASES)("$file → $line:$col", ({ file, line, col, pointer, message }) => {
    const result = loadFixture(file);
    expect(result.workflow).toBeUndefined();
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect({ line: error!.line, col: error!.col, pointer: error!.pointer }).toEqual({ line, col, pointer });
    if (typeof message === "string") expect(error!.message).toContain(message);
    else expect(error!.message).toMatch(message);
  });

  it("covers every invalid fixture", () => {
    const files = readdirSync(`${FIXTURES}workflows/invalid`).map((f) => `invalid/${f}`).sort();
    expect(files).toEqual(CASES.map((c) => c.file).sort());
  });

  it("never shows ajv's own wording or schema paths", () => {
    for (const { file } of CASES) {
      for (const d of loadFixture(file).diagnostics) {
        expect(d.message).not.toMatch(/#\/\$defs|must match "then" schema|must match exactly one schema|instancePath|schemaPath/);
      }
    }
  });

  it("reports every schema problem of a file at once, in source order", () => {
    const yaml = [
      "name: Many problems",
      "version: one",
      "triggers:",
      "  - type: onPR",
      "    config: { drafts: maybe }",
      "steps:",
      "  - id: s1",
      "    type: action",
      "    action: { kind: notify, parameters: { channel: sec-team } }",
    ].join("\n");
    const result = loadWorkflow("many.yml", yaml);
    expect(result.diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual(["2:10", "5:23", "9:52"]);
  });
});
