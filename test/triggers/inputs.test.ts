import { describe, expect, it } from "vitest";
import type { ManualConfig } from "../../src/domain/workflow.js";
import { resolveInputs } from "../../src/triggers/inputs.js";

/** The README's example manual trigger, plus a number and a boolean. */
const SPEC: ManualConfig["inputs"] = {
  reason: { type: "string", required: true, description: "Why the workflow is run by hand." },
  urgency: { type: "string", default: "normal", options: ["low", "normal", "urgent"] },
  count: { type: "number" },
  dryRun: { type: "boolean", default: false },
};

function errors(spec: ManualConfig["inputs"] | undefined, given: Record<string, string>): string[] {
  const result = resolveInputs(spec, given);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.values)}`);
  return result.errors;
}

describe("resolveInputs", () => {
  it("types the given values and fills defaults; an optional input without default stays absent", () => {
    expect(resolveInputs(SPEC, { reason: "audit" })).toStrictEqual({ ok: true, values: { reason: "audit", urgency: "normal", dryRun: false } });
    expect(resolveInputs(SPEC, { reason: "audit", urgency: "urgent", count: "3", dryRun: "yes" })).toStrictEqual({
      ok: true,
      values: { reason: "audit", urgency: "urgent", count: 3, dryRun: true },
    });
  });

  it("takes nothing when there is no spec", () => {
    expect(resolveInputs(undefined, {})).toStrictEqual({ ok: true, values: {} });
    expect(resolveInputs({}, {})).toStrictEqual({ ok: true, values: {} });
  });

  it("keeps string values as they are, never evaluating them", () => {
    const value = "${{ secrets.TOKEN }} && rm -rf / `x`";
    expect(resolveInputs(SPEC, { reason: value })).toMatchObject({ ok: true, values: { reason: value } });
  });

  describe("unknown inputs", () => {
    it("lists the known ones, with a suggestion", () => {
      expect(errors(SPEC, { reason: "a", urgncy: "low" })).toStrictEqual([
        'unknown input "urgncy" (did you mean "urgency"?); known inputs: reason, urgency, count, dryRun',
      ]);
      expect(errors(SPEC, { reason: "a", zzz: "1" })).toStrictEqual(['unknown input "zzz"; known inputs: reason, urgency, count, dryRun']);
    });

    it("says when the workflow takes none", () => {
      expect(errors(undefined, { a: "1" })).toStrictEqual(['unknown input "a": this workflow takes no inputs']);
    });

    it("never mistakes an Object.prototype member for an input", () => {
      const given = Object.fromEntries([["__proto__", "x"], ["constructor", "y"], ["reason", "a"]]) as Record<string, string>;
      expect(errors(SPEC, given)).toStrictEqual([
        'unknown input "__proto__"; known inputs: reason, urgency, count, dryRun',
        'unknown input "constructor"; known inputs: reason, urgency, count, dryRun',
      ]);
    });
  });

  it("reports a missing required input, even when it has a default", () => {
    expect(errors(SPEC, {})).toStrictEqual(['input "reason" is required']);
    expect(errors({ a: { type: "string", required: true, default: "x" } }, {})).toStrictEqual(['input "a" is required']);
  });

  it("reports every problem at once, each naming its input", () => {
    expect(errors(SPEC, { typo: "1", count: "many", dryRun: "maybe", urgency: "hgh" })).toStrictEqual([
      'unknown input "typo"; known inputs: reason, urgency, count, dryRun',
      'input "reason" is required',
      'input "urgency" must be one of low, normal, urgent; got "hgh"',
      'input "count" must be a number; got "many"',
      'input "dryRun" must be true or false (or yes/no, 1/0); got "maybe"',
    ]);
  });

  describe("numbers", () => {
    const spec: ManualConfig["inputs"] = { n: { type: "number" } };
    it.each([
      ["3", 3],
      ["-2.5", -2.5],
      ["+0.5", 0.5],
      [".5", 0.5],
      ["1e3", 1000],
      [" 42 ", 42],
    ])("%s → %s", (raw, value) => {
      expect(resolveInputs(spec, { n: raw })).toStrictEqual({ ok: true, values: { n: value } });
    });

    it.each(["", " ", "abc", "0x1f", "0b1", "Infinity", "NaN", "1e999", "1,5", "1.2.3", "5px"])("refuses %j", (raw) => {
      expect(errors(spec, { n: raw })).toStrictEqual([`input "n" must be a number; got ${JSON.stringify(raw)}`]);
    });
  });

  describe("booleans", () => {
    const spec: ManualConfig["inputs"] = { b: { type: "boolean" } };
    it.each([
      ["true", true],
      ["TRUE", true],
      ["Yes", true],
      ["1", true],
      ["false", false],
      ["no", false],
      ["0", false],
    ])("%s → %s", (raw, value) => {
      expect(resolveInputs(spec, { b: raw })).toStrictEqual({ ok: true, values: { b: value } });
    });

    it.each(["", "y", "on", "2", "truee"])("refuses %j", (raw) => {
      expect(errors(spec, { b: raw })).toStrictEqual([`input "b" must be true or false (or yes/no, 1/0); got ${JSON.stringify(raw)}`]);
    });
  });

  describe("options", () => {
    it("restricts string values, case-sensitively, with a suggestion", () => {
      expect(errors(SPEC, { reason: "a", urgency: "Urgent" })).toStrictEqual([
        'input "urgency" must be one of low, normal, urgent; got "Urgent" (did you mean "urgent"?)',
      ]);
    });

    it("compares numbers as numbers", () => {
      const spec: ManualConfig["inputs"] = { level: { type: "number", options: [1, 2, 3] } };
      expect(resolveInputs(spec, { level: "2.0" })).toStrictEqual({ ok: true, values: { level: 2 } });
      expect(errors(spec, { level: "4" })).toStrictEqual(['input "level" must be one of 1, 2, 3; got "4"']);
    });

    it("accepts numeric options of a string input as text", () => {
      const spec: ManualConfig["inputs"] = { tier: { type: "string", options: [1, "two"] } };
      expect(resolveInputs(spec, { tier: "1" })).toStrictEqual({ ok: true, values: { tier: "1" } });
    });
  });
});
