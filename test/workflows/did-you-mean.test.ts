import { describe, expect, it } from "vitest";
import { LIMITS, loadWorkflow } from "../../src/workflows/index.js";
import { severitySynonym } from "../../src/events/severity.js";
import { closest, distance } from "../../src/domain/suggest.js";

/**
 * Issue 9, bug 5: `hihg`, `moderate` and `nmae` got no "did you mean". A swap of two adjacent
 * letters counted as two edits, and a 4-letter word is allowed one; `moderate` is no typo at all
 * but another scale's word for medium.
 */

function problems(path: string, text: string): string[] {
  return loadWorkflow(path, text).diagnostics.map((d) => `${d.line}:${d.col} ${d.pointer} ${d.message}`);
}

/** A valid workflow with an onScanResult trigger whose config line is given (line 6). */
function withConfig(configLine: string): string {
  return [
    "name: Hints",
    "version: 1.0.0",
    "triggers:",
    "  - type: onScanResult",
    "    config:",
    configLine,
    "steps:",
    "  - id: s1",
    "    type: action",
    "    action:",
    "      kind: notify",
    '      parameters: { channel: "#sec" }',
    "",
  ].join("\n");
}

const SEVERITY_LIST = "expected one of low, medium, high, critical";

describe("severity values", () => {
  it.each([
    ["      minSeverity: hihg", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "hihg"; ${SEVERITY_LIST} (did you mean "high"?)`],
    ["      secretScanningSeverity: hihg", `6:31 /triggers/0/config/secretScanningSeverity triggers[0].config.secretScanningSeverity: unknown severity "hihg"; ${SEVERITY_LIST} (did you mean "high"?)`],
    ["      minSeverity: lwo", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "lwo"; ${SEVERITY_LIST} (did you mean "low"?)`],
    ["      minSeverity: crtiical", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "crtiical"; ${SEVERITY_LIST} (did you mean "critical"?)`],
    ["      minSeverity: HIGH", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "HIGH"; ${SEVERITY_LIST} (did you mean "high"?)`],
    // No severity is near these: no guess.
    ["      minSeverity: severe", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "severe"; ${SEVERITY_LIST}`],
    ["      minSeverity: hi", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "hi"; ${SEVERITY_LIST}`],
  ])("%s", (line, expected) => {
    expect(problems("s.yml", withConfig(line))).toEqual([expected]);
  });

  it.each([
    ["      minSeverity: moderate", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "moderate"; ${SEVERITY_LIST} (did you mean "medium"? Dependabot's "moderate" is medium here)`],
    [
      "      secretScanningSeverity: Moderate",
      `6:31 /triggers/0/config/secretScanningSeverity triggers[0].config.secretScanningSeverity: unknown severity "Moderate"; ${SEVERITY_LIST} (did you mean "medium"? Dependabot's "Moderate" is medium here)`,
    ],
    ["      minSeverity: warning", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "warning"; ${SEVERITY_LIST} (did you mean "medium"? code scanning's "warning" is medium here)`],
    ["      minSeverity: error", `6:20 /triggers/0/config/minSeverity triggers[0].config.minSeverity: unknown severity "error"; ${SEVERITY_LIST} (did you mean "high"? code scanning's "error" is high here)`],
  ])("another scale's word: %s", (line, expected) => {
    expect(problems("s.yml", withConfig(line))).toEqual([expected]);
  });

  it("synonyms come from the tables findings are mapped with, and only for words that are not ours", () => {
    expect(severitySynonym("moderate")).toEqual({ severity: "medium", scale: "Dependabot" });
    expect(severitySynonym("note")).toEqual({ severity: "low", scale: "code scanning" });
    expect(severitySynonym("medium")).toBeUndefined();
    expect(severitySynonym("High")).toBeUndefined();
    expect(severitySynonym("constructor")).toBeUndefined();
  });

  it("other enums get typo hints too, with a swap counted as one edit", () => {
    expect(problems("s.yml", withConfig("      sources: [dependabot, secretScnaning]"))).toEqual([
      '6:29 /triggers/0/config/sources/1 triggers[0].config.sources[1]: unknown finding source "secretScnaning"; expected one of codeScanning, dependabot, secretScanning, checkRun, dispatch (did you mean "secretScanning"?)',
    ]);
  });
});

const STEP_FIELDS = "id, name, description, retry, timeout, maxRuns, continueOnError, type, action, next";

describe("misspelled keys, at every level", () => {
  it("nmae at the top level: one error, with the hint, and no separate 'missing name'", () => {
    const text = withConfig("      minSeverity: high").replace("name: Hints", "nmae: Hints");
    expect(problems("k.yml", text)).toEqual(['1:1 /nmae unknown field "nmae" (did you mean "name"?); expected one of id, name, description, owner, repositories, version, triggers, steps, createdAt, updatedAt']);
  });

  it("verison at the top level: the same", () => {
    const text = withConfig("      minSeverity: high").replace("version: 1.0.0", "verison: 1.0.0");
    expect(problems("k.yml", text)).toEqual(['2:1 /verison unknown field "verison" (did you mean "version"?); expected one of id, name, description, owner, repositories, version, triggers, steps, createdAt, updatedAt']);
  });

  it("nmae in a step, ocnfig in a trigger, bakcoff in a retry, chnanel in parameters", () => {
    const text = [
      "name: Hints",
      "version: 1.0.0",
      "triggers:",
      "  - type: manual",
      "    ocnfig: {}",
      "steps:",
      "  - id: s1",
      "    nmae: Open",
      "    type: action",
      "    retry: { maxAttempts: 2, bakcoff: 30s }",
      "    action:",
      "      kind: notify",
      '      parameters: { chnanel: "#sec" }',
      "",
    ].join("\n");
    expect(problems("k.yml", text)).toEqual([
      '5:5 /triggers/0/ocnfig triggers[0]: unknown field "ocnfig" (did you mean "config"?); expected one of type, config',
      `8:5 /steps/0/nmae steps[0]: unknown field "nmae" (did you mean "name"?); expected one of ${STEP_FIELDS}`,
      '10:30 /steps/0/retry/bakcoff steps[0].retry: unknown field "bakcoff" (did you mean "backoff"?); expected one of maxAttempts, backoff',
      '13:21 /steps/0/action/parameters/chnanel steps[0].action.parameters: unknown field "chnanel" (did you mean "channel"?); expected one of channel, channels, comment, mention, message',
    ]);
  });

  it("a missing required field stays reported when no unknown field is its typo", () => {
    const text = ["name: Hints", "version: 1.0.0", "triggers: [{ type: manual }]", "steps:", "  - di: s1", "    type: wait", "    wait: { duration: 1d }", ""].join("\n");
    // Two letters: every short key is "close" to "di", so there is no guess, and "missing id" stays.
    expect(problems("k.yml", text)).toEqual([
      '5:5 /steps/0 steps[0]: missing required field "id"',
      '5:5 /steps/0/di steps[0]: unknown field "di"; expected one of id, name, description, retry, timeout, maxRuns, continueOnError, type, wait, next',
    ]);
  });

  it(`keeps the per-file cap of ${LIMITS.maxSuggestionsPerFile} suggestions`, () => {
    const steps = Array.from({ length: 30 }, (_, i) => `  - { id: s${i}, nmae: Step, type: wait, wait: { duration: 1d } }`);
    const { diagnostics } = loadWorkflow("k.yml", ["name: Hints", "version: 1.0.0", "triggers: [{ type: manual }]", "steps:", ...steps, ""].join("\n"));
    expect(diagnostics).toHaveLength(30);
    expect(diagnostics.filter((d) => d.message.includes('(did you mean "name"?)'))).toHaveLength(LIMITS.maxSuggestionsPerFile);
    expect(diagnostics[LIMITS.maxSuggestionsPerFile]!.message).toBe('steps[20]: unknown field "nmae"; expected one of id, name, description, retry, timeout, maxRuns, continueOnError, type, wait, next');
  });
});

describe("the distance: Damerau–Levenshtein, banded", () => {
  /** The whole table, no band and no early stop: what the banded one must agree with. */
  function reference(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i]![j] = Math.min(d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1), d[i - 1]![j]! + 1, d[i]![j - 1]! + 1);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
    return d[a.length]![b.length]!;
  }

  it("counts a swap of adjacent letters as one edit", () => {
    expect(distance("nmae", "name", 3)).toBe(1);
    expect(distance("hihg", "high", 3)).toBe(1);
    expect(distance("ab", "ba", 3)).toBe(1);
    expect(distance("abcd", "badc", 3)).toBe(2);
    expect(distance("Nmae", "name", 3)).toBe(1);
  });

  it("agrees with the full table on random words, within its bound (max + 1 beyond it)", () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const word = () => Array.from({ length: Math.floor(random() * 9) }, () => "abc"[Math.floor(random() * 3)]).join("");
    for (let n = 0; n < 5_000; n++) {
      const a = word();
      const b = word();
      const max = Math.floor(random() * 5);
      expect(distance(a, b, max), `${a} ${b} ${max}`).toBe(Math.min(reference(a, b), max + 1));
    }
  });

  it("still suggests nothing absurd for short words", () => {
    expect(closest("id", ["if", "in"])).toBeUndefined();
    expect(closest("ab", ["ba"])).toBeUndefined();
    expect(closest("abc", ["xyz", "cab"])).toBeUndefined();
    expect(closest("low", ["owl"])).toBeUndefined(); // two edits, not a swap
    expect(closest("nmae", ["mean"])).toBeUndefined();
  });
});
