import { readFileSync } from "node:fs";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../../src/workflows/index.js";
import { FIXTURES, ROOT, loadFixture } from "../helpers/fixtures.js";

/** The original design's example workflow, exactly as the design document gives it. */
const SEED_EXAMPLE = {
  id: "uuid-1",
  name: "Auto-fix high severity findings",
  version: "0.1.0",
  triggers: [{ type: "onScanResult", config: { minSeverity: "high" } }],
  steps: [
    { id: "s1", name: "Create remediation task", type: "action", action: { kind: "createIssue", parameters: { project: "ops" } }, next: ["s2"] },
    { id: "s2", name: "Notify owners", type: "action", action: { kind: "notify", parameters: { channel: "#sec-team" } }, next: [] },
  ],
};

describe("the original design's example workflow", () => {
  it("validates unchanged as JSON", () => {
    const result = loadFixture("valid/seed-example.json");
    expect(result.diagnostics).toEqual([]);
    expect(result.workflow).toEqual(SEED_EXAMPLE);
  });

  it("is kept unchanged as the repository's example", () => {
    const text = readFileSync(`${ROOT}examples/.governance/auto-fix-high-severity.json`, "utf8");
    expect(JSON.parse(text)).toEqual(SEED_EXAMPLE);
    expect(loadWorkflow("auto-fix-high-severity.json", text).diagnostics).toEqual([]);
  });

  it("validates as the same document in YAML, hand-written and generated", () => {
    const written = loadFixture("valid/seed-example.yml");
    expect(written.diagnostics).toEqual([]);
    expect(written.workflow).toEqual(SEED_EXAMPLE);
    const generated = loadWorkflow("seed.yml", stringify(SEED_EXAMPLE));
    expect(generated.diagnostics).toEqual([]);
    expect(generated.workflow).toEqual(SEED_EXAMPLE);
  });
});

describe("valid workflows", () => {
  it("accepts a workflow using every trigger and step type", () => {
    const result = loadFixture("valid/every-step-type.yml");
    expect(result.diagnostics).toEqual([]);
    expect(result.workflow?.steps.map((s) => s.type)).toEqual(["decision", "action", "action", "approval", "action", "wait", "action", "action"]);
    expect(result.workflow?.triggers.map((t) => t.type)).toEqual(["onScanResult", "onPR", "onSchedule", "manual"]);
  });

  it("accepts a cycle bounded by maxRuns, and a condition wrapped in ${{ }}", () => {
    const result = loadFixture("valid/bounded-cycle.yml");
    expect(result.diagnostics).toEqual([]);
  });

  it("loads a workflow whose only problem is a warning, and reports the warning", () => {
    const result = loadFixture("valid/unreachable-step.yml");
    expect(result.workflow).toBeDefined();
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: "warning", line: 10, col: 5, pointer: "/steps/1", message: 'steps[1]: step "orphan" is never reached from the first step' }),
    ]);
  });

  it("accepts a byte-order mark and Windows line endings", () => {
    const text = readFileSync(`${FIXTURES}workflows/valid/seed-example.yml`, "utf8").replace(/\n/g, "\r\n");
    const result = loadWorkflow("crlf.yml", Buffer.from("\uFEFF" + text, "utf8"));
    expect(result.diagnostics).toEqual([]);
  });

  it("continues an approval's unmapped approved outcome with the following step", () => {
    const yaml = `
name: Approval then act
version: 1.0.0
triggers: [{ type: manual }]
steps:
  - id: ok
    type: approval
    approval: { approvers: [octocat] }
    next: { rejected: [] }
  - id: act
    type: action
    action: { kind: createIssue }
`;
    expect(loadWorkflow("a.yml", yaml).diagnostics).toEqual([]);
  });
});
