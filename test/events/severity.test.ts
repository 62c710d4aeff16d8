import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/domain/finding.js";
import { SEVERITIES, type Severity } from "../../src/domain/workflow.js";
import {
  atLeast,
  checkRunSeverity,
  codeScanningSeverity,
  compareSeverity,
  DEFAULT_SECRET_SCANNING_SEVERITY,
  dependabotSeverity,
  effectiveSeverity,
  isSeverity,
} from "../../src/events/severity.js";

describe("severity order", () => {
  it("sorts low < medium < high < critical", () => {
    const shuffled: Severity[] = ["high", "low", "critical", "medium"];
    expect([...shuffled].sort(compareSeverity)).toEqual(["low", "medium", "high", "critical"]);
    expect(compareSeverity("medium", "medium")).toBe(0);
    expect(compareSeverity("critical", "low")).toBeGreaterThan(0);
    expect(compareSeverity("low", "high")).toBeLessThan(0);
  });

  it("atLeast holds exactly for the severities at or above the floor", () => {
    const above = (min: Severity) => SEVERITIES.filter((s) => atLeast(s, min));
    expect(above("low")).toEqual(["low", "medium", "high", "critical"]);
    expect(above("medium")).toEqual(["medium", "high", "critical"]);
    expect(above("high")).toEqual(["high", "critical"]);
    expect(above("critical")).toEqual(["critical"]);
  });

  it("isSeverity accepts only our four words", () => {
    expect(SEVERITIES.every(isSeverity)).toBe(true);
    for (const bad of ["moderate", "HIGH", "", "constructor", "__proto__", null, 3, undefined]) expect(isSeverity(bad)).toBe(false);
  });
});

describe("code scanning", () => {
  it.each([
    ["error", "high"],
    ["warning", "medium"],
    ["note", "low"],
    ["none", "low"],
    [null, "low"],
    [undefined, "low"],
  ])("rule.severity %s is %s", (rule, expected) => {
    expect(codeScanningSeverity(undefined, rule)).toBe(expected);
  });

  it.each(["low", "medium", "high", "critical"] as const)("security_severity_level %s wins over rule.severity", (level) => {
    expect(codeScanningSeverity(level, "note")).toBe(level);
    expect(codeScanningSeverity(level, "error")).toBe(level);
  });

  it("falls back to rule.severity when the security level is null or unknown", () => {
    expect(codeScanningSeverity(null, "error")).toBe("high");
    expect(codeScanningSeverity("bogus", "warning")).toBe("medium");
  });

  it("never reads Object.prototype members as table entries", () => {
    expect(codeScanningSeverity("constructor", "__proto__")).toBe("low");
    expect(checkRunSeverity("toString")).toBeUndefined();
  });
});

describe("dependabot", () => {
  it.each([
    ["low", "low"],
    ["medium", "medium"],
    ["moderate", "medium"],
    ["high", "high"],
    ["critical", "critical"],
  ])("advisory severity %s is %s", (word, expected) => {
    expect(dependabotSeverity(word)).toBe(expected);
  });

  it("uses the vulnerability's severity when the advisory has none", () => {
    expect(dependabotSeverity(undefined, "critical")).toBe("critical");
    expect(dependabotSeverity("high", "low")).toBe("high");
    expect(dependabotSeverity(undefined, undefined)).toBe("low");
  });
});

describe("check run conclusions", () => {
  it.each([
    ["failure", "high"],
    ["action_required", "high"],
    ["neutral", "low"],
  ])("%s is a %s finding", (conclusion, expected) => {
    expect(checkRunSeverity(conclusion)).toBe(expected);
  });

  it.each(["success", "skipped", "cancelled", "timed_out", "stale", null, undefined, "something_new"])("%s is no finding", (conclusion) => {
    expect(checkRunSeverity(conclusion)).toBeUndefined();
  });
});

describe("effectiveSeverity", () => {
  const secret: Pick<Finding, "source" | "severity"> = { source: "secretScanning", severity: DEFAULT_SECRET_SCANNING_SEVERITY };

  it("gives secret scanning critical unless the trigger says otherwise", () => {
    expect(DEFAULT_SECRET_SCANNING_SEVERITY).toBe("critical");
    expect(effectiveSeverity(secret)).toBe("critical");
    expect(effectiveSeverity(secret, {})).toBe("critical");
    expect(effectiveSeverity(secret, { secretScanningSeverity: "medium" })).toBe("medium");
  });

  it("leaves every other source's severity alone", () => {
    expect(effectiveSeverity({ source: "codeScanning", severity: "high" }, { secretScanningSeverity: "low" })).toBe("high");
    expect(effectiveSeverity({ source: "dispatch", severity: "low" }, { secretScanningSeverity: "critical" })).toBe("low");
  });
});
