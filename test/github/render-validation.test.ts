import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/domain/diagnostic.js";
import { renderValidationCheck, toAnnotation, type ValidationCheck } from "../../src/github/render-validation.js";
import { GITHUB_TEXT_LIMIT } from "../../src/github/truncate.js";
import { LIMITS, loadWorkflow, type WorkflowFile } from "../../src/workflows/index.js";
import { FIXTURES } from "../helpers/fixtures.js";

/** A fixture loaded as the app would see it in a repository: under `.governance/`. */
function governanceFile(fixture: string): WorkflowFile {
  const name = fixture.split("/").at(-1)!;
  return loadWorkflow(`.governance/${name}`, readFileSync(`${FIXTURES}workflows/${fixture}`));
}

function asDocument(check: ValidationCheck): string {
  return [
    `<!-- name: ${check.name} -->`,
    `<!-- conclusion: ${check.conclusion} -->`,
    `<!-- title: ${check.title} -->`,
    "",
    check.summary,
    "<!-- annotations -->",
    "```json",
    JSON.stringify(check.annotationBatches, null, 2),
    "```",
    "",
  ].join("\n");
}

const diagnostic = (over: Partial<Diagnostic> = {}): Diagnostic => ({ severity: "error", message: "steps[0].id: bad", line: 3, col: 5, pointer: "/steps/0/id", ...over });

describe("renderValidationCheck", () => {
  it("fails with one annotation per diagnostic, at its line and column", async () => {
    const files = ["valid/every-step-type.yml", "valid/unreachable-step.yml", "invalid/invalid-severity.yml", "invalid/unknown-next-target.yml"].map(governanceFile);
    const check = renderValidationCheck(files);
    expect(check).toMatchObject({ name: "governance / validate", conclusion: "failure", title: "2 errors in 2 of 4 workflow files" });
    const [batch] = check.annotationBatches;
    expect(batch).toContainEqual({
      path: ".governance/invalid-severity.yml",
      startLine: 6,
      endLine: 6,
      startColumn: 20,
      endColumn: 25, // "severe" spans columns 20-25
      level: "failure",
      title: "error: .governance/invalid-severity.yml:6:20",
      message: 'triggers[0].config.minSeverity: unknown severity "severe"; expected one of low, medium, high, critical',
    });
    expect(batch!.filter((a) => a.level === "warning")).toHaveLength(1);
    await expect(asDocument(check)).toMatchFileSnapshot("./__snapshots__/render-validation.mixed.md");
  });

  it("succeeds when no file has errors, warnings included", () => {
    const check = renderValidationCheck(["valid/every-step-type.yml", "valid/unreachable-step.yml"].map(governanceFile));
    expect(check.conclusion).toBe("success");
    expect(check.title).toBe("2 workflow files valid, with 1 warning");
  });

  it("succeeds with nothing to check", () => {
    expect(renderValidationCheck([])).toMatchObject({ conclusion: "success", title: "No workflow files found", annotationBatches: [] });
  });

  it("splits annotations into requests of at most 50: 120 diagnostics → 50, 50, 20", () => {
    const diagnostics = Array.from({ length: 120 }, (_, i) => diagnostic({ line: i + 1 }));
    const check = renderValidationCheck([{ path: ".governance/many.yml", diagnostics }]);
    expect(check.annotationBatches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(check.annotationBatches.flat().map((a) => a.startLine)).toEqual(diagnostics.map((d) => d.line));
  });

  it(`caps annotations at ${LIMITS.maxAnnotations} (one create and two updates): 5,000 diagnostics → 50, 50, 50, and the summary says more exist`, () => {
    const files = Array.from({ length: 50 }, (_, f) => ({ path: `.governance/f${f}.yml`, diagnostics: Array.from({ length: 100 }, (_, i) => diagnostic({ line: i + 1 })) }));
    const check = renderValidationCheck(files);
    expect(check.annotationBatches.map((b) => b.length)).toEqual([50, 50, 50]);
    expect(check.annotationBatches.flat().map((a) => a.path)).toEqual([...Array(100).fill(".governance/f0.yml"), ...Array(50).fill(".governance/f1.yml")]);
    expect(check.unannotated).toBe(4_850);
    expect(check.summary).toMatch(/^\*\*50 files checked: 0 valid, 50 invalid \(5000 errors, 0 warnings\)\*\*\n\n> \*\*More problems exist than are annotated:\*\* 150 problems annotated, 4,850 more not/);
    expect(renderValidationCheck([{ path: ".governance/few.yml", diagnostics: [diagnostic()] }]).summary).not.toContain("More problems exist");
  });

  it("sends columns only for one-line spans, with GitHub's inclusive end column", () => {
    expect(toAnnotation("f.yml", diagnostic({ line: 3, col: 5, endLine: 3, endCol: 9 }))).toMatchObject({ startLine: 3, endLine: 3, startColumn: 5, endColumn: 8 });
    expect(toAnnotation("f.yml", diagnostic({ line: 3, col: 5 }))).toMatchObject({ startColumn: 5, endColumn: 5 });
    const multi = toAnnotation("f.yml", diagnostic({ line: 3, col: 5, endLine: 6, endCol: 2 }));
    expect(multi).toMatchObject({ startLine: 3, endLine: 6 });
    expect(multi).not.toHaveProperty("startColumn");
    expect(multi).not.toHaveProperty("endColumn");
    // A block that ends at the start of the next line is a one-line span, without a known end.
    expect(toAnnotation("f.yml", diagnostic({ line: 3, col: 5, endLine: 4, endCol: 1 }))).toMatchObject({ startLine: 3, endLine: 3, startColumn: 5, endColumn: 5 });
    expect(toAnnotation("f.yml", diagnostic({ severity: "warning" })).level).toBe("warning");
  });

  it("caps titles at 255 characters and long messages", () => {
    const longPath = `.governance/${"a".repeat(400)}.yml`;
    const [annotation] = renderValidationCheck([{ path: longPath, diagnostics: [diagnostic({ message: "m".repeat(70_000) })] }]).annotationBatches[0]!;
    expect(annotation!.title!.length).toBeLessThanOrEqual(255);
    expect(annotation!.message.length).toBeLessThanOrEqual(4_000);
  });

  it("escapes file paths and messages in the summary and keeps it within GitHub's limit", () => {
    const evil = ".governance/<img src=x onerror=alert(1)>|x.yml";
    const many = Array.from({ length: 5_000 }, (_, i) => ({ path: `${evil}${i}`, diagnostics: [diagnostic({ message: "**bold** [x](https://evil.test) <b>" })] }));
    const { summary } = renderValidationCheck(many);
    expect(summary.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(summary).toMatch(/… truncated: [\d,]+ more characters not shown \(GitHub allows 65,535\)$/);
    expect(summary).not.toMatch(/(?<!\\)<(img|b)>?|(?<!\\)\[x(?<!\\)\]\(/);
    const row = summary.split("\n").find((l) => l.startsWith("| .governance"))!;
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(5);
  });
});
