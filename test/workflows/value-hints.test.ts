import { describe, expect, it } from "vitest";
import { loadWorkflow } from "../../src/workflows/index.js";
import { accepts, formHint, typeHint } from "../../src/workflows/value-hints.js";

/**
 * Issue 9, bug 5: a hint must offer only a value its field accepts. `backoff: 30` used to say
 * "quote it: "30"", and `version: 1.0` "quote it: "1.0"": neither is valid once quoted.
 */

/** `line:col pointer message` of every diagnostic, the form these tests compare exactly. */
function problems(path: string, text: string): string[] {
  return loadWorkflow(path, text).diagnostics.map((d) => `${d.line}:${d.col} ${d.pointer} ${d.message}`);
}

/** A valid workflow whose version and one step line are given (the step line is line 8). */
function withStep(stepLine: string, version = "1.0.0"): string {
  return [
    "name: Hints",
    `version: ${version}`,
    "triggers:",
    "  - type: manual",
    "steps:",
    "  - id: s1",
    "    type: action",
    stepLine,
    "    action:",
    "      kind: notify",
    '      parameters: { channel: "#sec" }',
    "",
  ].join("\n");
}

/** A valid workflow with one wait step whose `wait:` value is given (line 7). */
function withWait(wait: string): string {
  return ["name: Hints", "version: 1.0.0", "triggers: [{ type: manual }]", "steps:", "  - id: pause", "    type: wait", `    wait: ${wait}`, ""].join("\n");
}

describe("a bare number where a duration is wanted", () => {
  it("backoff: 30 suggests the number with a unit, not quoting it", () => {
    expect(problems("d.yml", withStep("    retry: { maxAttempts: 3, backoff: 30 }"))).toEqual([
      '8:39 /steps/0/retry/backoff steps[0].retry.backoff: must be a string, not a number (add a unit: "30s", "30m", "30h" or "30d")',
    ]);
  });

  it.each([
    ["a wait", withWait("{ duration: 45 }"), '7:23 /steps/0/wait/duration steps[0].wait.duration: must be a string, not a number (add a unit: "45s", "45m", "45h" or "45d")'],
    ["a step timeout", withStep("    timeout: 2"), '8:14 /steps/0/timeout steps[0].timeout: must be a string, not a number (add a unit: "2s", "2m", "2h" or "2d")'],
    // Only the units that keep it within the longest duration (366d) are offered.
    ["a long one", withStep("    timeout: 100000"), '8:14 /steps/0/timeout steps[0].timeout: must be a string, not a number (add a unit: "100000s" or "100000m")'],
    // 0s is refused later ("must be longer than 0"): no unit makes 0 valid, so there is no hint.
    ["zero", withStep("    timeout: 0"), "8:14 /steps/0/timeout steps[0].timeout: must be a string, not a number"],
    ["a fraction", withStep("    timeout: 1.5"), "8:14 /steps/0/timeout steps[0].timeout: must be a string, not a number"],
    ["true", withStep("    timeout: true"), "8:14 /steps/0/timeout steps[0].timeout: must be a string, not true or false"],
  ])("%s", (_name, text, expected) => {
    expect(problems("d.yml", text)).toEqual([expected]);
  });

  it("a quoted number or a duration in words gets the same kind of hint from the pattern error", () => {
    expect(problems("d.yml", withWait('{ duration: "30" }'))).toEqual([
      '7:23 /steps/0/wait/duration steps[0].wait.duration: "30" must be a duration such as 30s, 15m, 24h, 7d or 1h30m (add a unit: "30s", "30m", "30h" or "30d")',
    ]);
    expect(problems("d.yml", withWait("{ duration: 2 days }"))).toEqual([
      '7:23 /steps/0/wait/duration steps[0].wait.duration: "2 days" must be a duration such as 30s, 15m, 24h, 7d or 1h30m (did you mean "2d"?)',
    ]);
    expect(problems("d.yml", withWait("{ duration: 1 hour 30 minutes }"))).toEqual([
      '7:23 /steps/0/wait/duration steps[0].wait.duration: "1 hour 30 minutes" must be a duration such as 30s, 15m, 24h, 7d or 1h30m (did you mean "1h30m"?)',
    ]);
    // Nothing sensible to offer: no hint rather than a guess.
    expect(problems("d.yml", withWait("{ duration: 2 fortnights }"))).toEqual([
      '7:23 /steps/0/wait/duration steps[0].wait.duration: "2 fortnights" must be a duration such as 30s, 15m, 24h, 7d or 1h30m',
    ]);
  });
});

describe("a number where a semantic version is wanted", () => {
  it("version: 1.0 suggests 1.0.0, not quoting it", () => {
    expect(problems("v.yml", withStep("    name: Step", "1.0"))).toEqual(['2:10 /version version: must be a string, not a number (a version needs three numbers: "1.0.0")']);
  });

  it.each([
    ["1", 'version: must be a string, not a number (a version needs three numbers: "1.0.0")'],
    ["2.10", 'version: must be a string, not a number (a version needs three numbers: "2.10.0")'],
    // YAML reads 01.0 as the number 1, but "01.0.0" is no semantic version either: no hint.
    ["01.0", "version: must be a string, not a number"],
    ["1e3", "version: must be a string, not a number"],
    ["true", "version: must be a string, not true or false"],
    ['"1.0"', 'version: "1.0" must be a semantic version such as 1.0.0 (a version needs three numbers: "1.0.0")'],
    ["v1.2.0", 'version: "v1.2.0" must be a semantic version such as 1.0.0 (did you mean "1.2.0"?)'],
    ["1.0.0.0", 'version: "1.0.0.0" must be a semantic version such as 1.0.0'],
  ])("version: %s", (version, message) => {
    expect(problems("v.yml", withStep("    name: Step", version))).toEqual([`2:10 /version ${message}`]);
  });

  it("JSON files get the same hints, at the value", () => {
    const json = JSON.stringify(
      { name: "Hints", version: 1, triggers: [{ type: "manual" }], steps: [{ id: "s1", type: "action", retry: { maxAttempts: 2, backoff: 30 }, action: { kind: "notify", parameters: { channel: "#sec" } } }] },
      null,
      2,
    ).replace('"version": 1', '"version": 1.0');
    expect(problems("v.json", json)).toEqual([
      '3:14 /version version: must be a string, not a number (a version needs three numbers: "1.0.0")',
      '15:20 /steps/0/retry/backoff steps[0].retry.backoff: must be a string, not a number (add a unit: "30s", "30m", "30h" or "30d")',
    ]);
  });
});

describe("quote it is still offered where the quoted text is valid", () => {
  it.each([
    ["a step name", "    name: 123", '8:11 /steps/0/name steps[0].name: must be a string, not a number (quote it: "123")'],
    ["a step name written true", "    name: true", '8:11 /steps/0/name steps[0].name: must be a string, not true or false (quote it: "true")'],
    ["a step description", "    description: 1.50", '8:18 /steps/0/description steps[0].description: must be a string, not a number (quote it: "1.50")'],
  ])("%s", (_name, line, expected) => {
    expect(problems("q.yml", withStep(line))).toEqual([expected]);
  });

  it("but not for a field whose rule the check does not know (a date-time): no hint rather than a wrong one", () => {
    const text = withStep("    name: Step").replace("version: 1.0.0", "version: 1.0.0\ncreatedAt: 2025");
    expect(problems("q.yml", text)).toEqual(["3:12 /createdAt createdAt: must be a string, not a number"]);
  });
});

describe("every hint offered is accepted once applied", () => {
  // The class of bug: a hint must check its own suggestion. Apply each one and load again.
  const cases = [
    withStep("    retry: { maxAttempts: 3, backoff: 30 }"),
    withStep("    timeout: 100000"),
    withStep("    name: 123"),
    withStep("    name: Step", "1"),
    withStep("    name: Step", "v1.2.0"),
    withWait("{ duration: 2 days }"),
    withWait('{ duration: "30" }'),
  ];
  it.each(cases.map((text, i) => [i, text]))("case %i", (_i, text) => {
    const [d, ...rest] = loadWorkflow("fix.yml", text).diagnostics;
    expect(rest).toEqual([]);
    const hint = d!.message.slice(d!.message.lastIndexOf(" ("));
    const offered = [...hint.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    expect(offered.length).toBeGreaterThan(0);
    const lines = text.split("\n");
    const line = lines[d!.line - 1]!;
    const start = d!.col - 1;
    const end = d!.endLine === d!.line ? d!.endCol! - 1 : line.length;
    for (const value of offered) {
      const fixed = [...lines.slice(0, d!.line - 1), line.slice(0, start) + JSON.stringify(value) + line.slice(end), ...lines.slice(d!.line)].join("\n");
      expect(loadWorkflow("fix.yml", fixed).diagnostics, `${value} in ${fixed}`).toEqual([]);
    }
  });
});

describe("the rule check", () => {
  const duration = { type: "string", pattern: "^(?:[0-9]+(?:s|m|h|d|w))+$", maxLength: 32, "x-error": "…", description: "…" };
  it("accepts what the field's keywords accept, and refuses a rule it does not know", () => {
    expect(accepts(duration, "30s")).toBe(true);
    expect(accepts(duration, "30")).toBe(false);
    expect(accepts({ ...duration, maxLength: 3 }, "1000s")).toBe(false);
    expect(accepts({ type: "string", minLength: 2 }, "é")).toBe(false);
    expect(accepts({ type: ["boolean", "string"], minLength: 1 }, "x")).toBe(true);
    expect(accepts({ type: "integer" }, "3")).toBe(false);
    expect(accepts({ enum: ["a", "b"] }, "b")).toBe(true);
    expect(accepts({ const: "a" }, "b")).toBe(false);
    expect(accepts({ type: "string", format: "date-time" }, "2025")).toBe(false);
    expect(accepts({ $ref: "#/$defs/duration" }, "30s")).toBe(false);
  });

  it("offers nothing for long text, and nothing the rule refuses", () => {
    expect(formHint("1".repeat(65), duration)).toBe("");
    expect(typeHint("30", { type: "string", pattern: "^#" })).toBe("");
    expect(typeHint("30", duration)).toBe(' (add a unit: "30s", "30m", "30h" or "30d")');
  });
});
