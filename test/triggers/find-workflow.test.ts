import { describe, expect, it } from "vitest";
import type { Trigger, Workflow } from "../../src/domain/workflow.js";
import { findWorkflow, manualConfig } from "../../src/triggers/find-workflow.js";
import type { WorkflowEntry } from "../../src/triggers/types.js";

const MANUAL: Trigger = { type: "manual", config: { inputs: { reason: { type: "string" } } } };

function entry(path: string, name: string, options: { id?: string; declaredId?: string; triggers?: Trigger[] } = {}): WorkflowEntry {
  const workflow: Workflow = {
    name,
    version: "1.0.0",
    triggers: options.triggers ?? [MANUAL],
    steps: [{ id: "s1", type: "action", action: { kind: "notify", parameters: { channel: "#x" } } }],
    ...(options.declaredId ? { id: options.declaredId } : {}),
  };
  return { path, id: options.declaredId ?? options.id ?? `uuid-${path}`, workflow };
}

const triage = entry(".governance/triage.yml", "Triage high alerts", { declaredId: "triage-high" });
const nightly = entry(".governance/nightly.yaml", "Nightly sweep");
const scans = entry(".governance/scans.json", "Scan results", { triggers: [{ type: "onScanResult" }] });
const ALL = [triage, nightly, scans];

function message(reference: string, workflows: WorkflowEntry[] = ALL): string {
  const result = findWorkflow(reference, workflows);
  if (result.ok) throw new Error(`expected no match, got ${result.match.path}`);
  return result.message;
}

describe("findWorkflow", () => {
  it.each([
    ["the declared id", "triage-high", triage],
    ["the derived id", "uuid-.governance/nightly.yaml", nightly],
    ["the path", ".governance/triage.yml", triage],
    ["the path with ./", "./.governance/triage.yml", triage],
    ["the path without extension", ".governance/nightly", nightly],
    ["the file name", "nightly.yaml", nightly],
    ["the file name without extension", "triage", triage],
    ["the name", "Nightly sweep", nightly],
    ["the name in another case, with spaces around", "  nightly SWEEP ", nightly],
  ])("matches %s", (_, reference, expected) => {
    expect(findWorkflow(reference, ALL)).toStrictEqual({ ok: true, match: expected });
  });

  it("returns the caller's own entry objects", () => {
    const loaded = [{ ...nightly, extra: 1 }];
    const result = findWorkflow("nightly", loaded);
    expect(result.ok && result.match).toBe(loaded[0]);
  });

  describe("order", () => {
    it("prefers the id over a file and a name", () => {
      const byName = entry(".governance/a.yml", "deploy");
      const byFile = entry(".governance/deploy.yml", "Something else");
      const byId = entry(".governance/c.yml", "Third", { declaredId: "deploy" });
      expect(findWorkflow("deploy", [byName, byFile, byId])).toStrictEqual({ ok: true, match: byId });
      expect(findWorkflow("deploy", [byName, byFile])).toStrictEqual({ ok: true, match: byFile });
    });
  });

  describe("ambiguity", () => {
    it("lists the candidates when one file name matches two files", () => {
      const yml = entry(".governance/fix.yml", "Fix A");
      const json = entry(".governance/fix.json", "Fix B");
      expect(message("fix", [yml, json])).toBe('"fix" matches 2 workflows: "Fix A" (.governance/fix.yml), "Fix B" (.governance/fix.json); name one by its file path');
      expect(findWorkflow("fix.json", [yml, json])).toStrictEqual({ ok: true, match: json });
    });

    it("lists the candidates when two workflows share a name", () => {
      const a = entry(".governance/a.yml", "Fix");
      const b = entry(".governance/b.yml", "fix");
      expect(message("FIX", [a, b])).toBe('"FIX" matches 2 workflows: "Fix" (.governance/a.yml), "fix" (.governance/b.yml); name one by its file path');
    });

    it("lists the candidates when two files declare one id", () => {
      const a = entry(".governance/a.yml", "A", { declaredId: "same" });
      const b = entry(".governance/b.yml", "B", { declaredId: "same" });
      expect(message("same", [a, b])).toContain('"same" matches 2 workflows: "A" (.governance/a.yml), "B" (.governance/b.yml)');
    });
  });

  describe("no match", () => {
    it("lists the workflows with a suggestion", () => {
      expect(message("nightyl")).toBe(
        'no workflow "nightyl" (did you mean "nightly"?); the workflows are: "Triage high alerts" (.governance/triage.yml), "Nightly sweep" (.governance/nightly.yaml), "Scan results" (.governance/scans.json)',
      );
      expect(message("triage-hihg")).toContain('(did you mean "triage-high"?)');
      expect(message("xyz")).toMatch(/^no workflow "xyz"; the workflows are: /);
    });

    it("says when there are no workflows", () => {
      expect(message("triage", [])).toBe('no workflow "triage": there are no valid workflows in .governance/');
    });

    it("bounds the list", () => {
      const many = Array.from({ length: 25 }, (_, i) => entry(`.governance/w${i}.yml`, `Workflow ${i}`));
      const text = message("nothing-like-it", many);
      expect(text).toContain('"Workflow 19" (.governance/w19.yml) and 5 more');
      expect(text).not.toContain("w20.yml");
    });

    it("refuses an empty reference", () => {
      expect(message("  ")).toBe("missing the workflow: name it by its file, name or id");
    });

    it("cuts a long reference in the message", () => {
      expect(message("x".repeat(5000)).length).toBeLessThan(400);
    });
  });

  it("refuses a match without a manual trigger", () => {
    expect(message("scans")).toBe(
      'workflow "Scan results" (.governance/scans.json) cannot be started by hand: it has no manual trigger (add "- type: manual" to its triggers)',
    );
  });
});

describe("manualConfig", () => {
  it("is the manual trigger's config, {} when it has none, undefined without a manual trigger", () => {
    expect(manualConfig(triage.workflow)).toStrictEqual({ inputs: { reason: { type: "string" } } });
    expect(manualConfig(entry("a.yml", "A", { triggers: [{ type: "onPR" }, { type: "manual" }] }).workflow)).toStrictEqual({});
    expect(manualConfig(scans.workflow)).toBeUndefined();
  });
});
