import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/domain/diagnostic.js";
import { countDiagnostics, finishDiagnostics, omissionOf, type PendingDiagnostic } from "../../src/workflows/diagnostic-cap.js";
import { LIMITS, loadWorkflow } from "../../src/workflows/index.js";
import { closest, didYouMean } from "../../src/domain/suggest.js";

const pending = (line: number, over: Partial<PendingDiagnostic> = {}): PendingDiagnostic => ({ severity: "error", line, col: 1, pointer: `/x/${line}`, message: `problem at ${line}`, ...over });

describe("finishDiagnostics", () => {
  it("keeps a short list as it is, sorted by position", () => {
    const out = finishDiagnostics([pending(3), pending(1), pending(2, { col: 5 }), pending(2, { col: 1 })]);
    expect(out.map((d) => [d.line, d.col])).toEqual([[1, 1], [2, 1], [2, 5], [3, 1]]);
    expect(out.some((d) => omissionOf(d))).toBe(false);
  });

  it(`keeps the first ${LIMITS.maxErrorsPerFile} by position and closes with "and N more" at the first one left out`, () => {
    const list = Array.from({ length: 250 }, (_, i) => pending(250 - i, { severity: i % 10 === 0 ? "warning" : "error" }));
    const out = finishDiagnostics(list);
    expect(out).toHaveLength(LIMITS.maxErrorsPerFile + 1);
    expect(out.slice(0, 100).map((d) => d.line)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const last = out.at(-1)!;
    expect(last).toMatchObject({ line: 101, col: 1, pointer: "/x/101", severity: "error" });
    expect(omissionOf(last)).toEqual({ errors: 135, warnings: 15 });
    expect(last.message).toBe("and 135 more errors and 15 more warnings, from here on (only the first 100 problems of a file are reported)");
    expect(countDiagnostics(out)).toEqual({ errors: 225, warnings: 25 });
  });

  it("writes messages, and spends suggestions, only for the kept diagnostics", () => {
    let written = 0;
    const list = Array.from({ length: 1_000 }, (_, i) =>
      pending(i + 1, {
        message: (suggest) => {
          written++;
          return `unknown "nme"${suggest("nme", ["name", "version"])}`;
        },
      }),
    );
    const out = finishDiagnostics(list);
    expect(written).toBe(LIMITS.maxErrorsPerFile);
    expect(out.filter((d) => d.message.includes('did you mean "name"'))).toHaveLength(LIMITS.maxSuggestionsPerFile);
    expect(out[0]!.message).toBe('unknown "nme" (did you mean "name"?)');
    expect(out[LIMITS.maxSuggestionsPerFile]!.message).toBe('unknown "nme"');
  });

  it("an omission of warnings only is a warning, so a valid file stays valid", () => {
    const out = finishDiagnostics(Array.from({ length: 120 }, (_, i) => pending(i + 1, { severity: "warning" })));
    expect(out.at(-1)).toMatchObject({ severity: "warning", message: expect.stringMatching(/^and 20 more warnings/) });
    expect(out.every((d: Diagnostic) => d.severity === "warning")).toBe(true);
  });

  it("the CLI and the check count what an omission stands for; YAML syntax errors are capped the same way", () => {
    const text = "name: x\n" + "]\n".repeat(500);
    const { diagnostics } = loadWorkflow(".governance/junk.yml", text);
    expect(diagnostics).toHaveLength(LIMITS.maxErrorsPerFile + 1);
    expect(diagnostics[0]).toMatchObject({ line: 2, col: 1, message: expect.stringMatching(/^YAML syntax error/) });
    expect(countDiagnostics(diagnostics).errors).toBeGreaterThanOrEqual(500);
  });
});

describe("suggestions stay the same, and cheap", () => {
  it.each([
    ["nme", ["name", "version", "steps"], "name"],
    ["stps", ["name", "version", "steps"], "steps"],
    ["nmae", ["name", "version", "steps"], "name"], // a swap of adjacent letters is one edit (Damerau)
    ["createIsue", ["createIssue", "assignTask", "runRemediation", "notify", "runScript"], "createIssue"],
    ["Notfy", ["notify", "runScript"], "notify"],
    ["xyz", ["name", "version"], undefined],
    ["ab", ["abc"], undefined],
    ["webhookURL", ["webhookUrl", "allowPrivateAddress"], "webhookUrl"],
  ] as const)("closest(%s) is %s", (input, candidates, expected) => {
    expect(closest(input, candidates)).toBe(expected);
  });

  it("prefers the first of equally close candidates, as before", () => {
    expect(closest("abcd", ["abce", "abcf"])).toBe("abce");
    expect(didYouMean("abcd", ["abcd"])).toBe("");
  });

  it("compares 64-character names against 10,000 candidates in well under a second", () => {
    const candidates = Array.from({ length: 10_000 }, (_, i) => `step-${String(i).padStart(5, "0")}`.padEnd(64, "x"));
    const start = performance.now();
    expect(closest(`step-0999`.padEnd(63, "x") + "y", candidates)).toBeDefined();
    expect(closest("q".repeat(64), candidates)).toBeUndefined();
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
