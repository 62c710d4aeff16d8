// `governance export`'s file names: slugs, collisions told apart deterministically, and no path outside --out.
import { describe, expect, it } from "vitest";
import type { StoredWorkflow, StoredWorkflowVersion } from "../../src/domain/stored-workflow.js";
import { inside, slugOf, versionNames, workflowPaths } from "../../src/cli/export-layout.js";

const wf = (id: string, owner: string, name: string): StoredWorkflow => ({ id, owner, name, version: "1.0.0", repositories: ["*"], versions: 1, createdAt: "", updatedAt: "" });

describe("export layout", () => {
  it("makes lower-case [a-z0-9-] slugs of names", () => {
    expect(slugOf("Triage")).toBe("triage");
    expect(slugOf("  Deps: check / ../../etc  ")).toBe("deps-check-etc");
    expect(slugOf("Café Ünïcode")).toBe("cafe-unicode");
    expect(slugOf("../..")).toBe("workflow");
    expect(slugOf("x".repeat(100))).toHaveLength(64);
  });

  it("puts workflows in their owner's folder (any case) and tells colliding slugs apart by id, in any order", () => {
    const list = [wf("b-2222222-x", "acme", "deps check"), wf("a-1111111-x", "ACME", "Deps-Check"), wf("c", "acme", "Triage"), wf("d", "Other", "Triage")];
    const expected = new Map([
      ["a-1111111-x", "acme/deps-check-a-111111"],
      ["b-2222222-x", "acme/deps-check-b-222222"],
      ["c", "acme/triage"],
      ["d", "other/triage"],
    ]);
    expect(workflowPaths(list)).toEqual(expected);
    expect(workflowPaths([...list].reverse())).toEqual(expected);
    // Ids whose first 8 characters make the same tag: then -2, in id order.
    expect([...workflowPaths([wf("same0000a", "acme", "A"), wf("same0000b", "acme", "a!")]).values()]).toEqual(["acme/a-same0000", "acme/a-same0000-2"]);
  });

  it("refuses an owner that is not a login, and any path outside the folder", () => {
    expect(() => workflowPaths([wf("x", "../etc", "A")])).toThrow('workflow x: its owner "../etc" is not an account login; refusing to make a folder of it');
    expect(() => inside("/tmp/out", "../escape.yaml")).toThrow("refusing to write outside the --out folder");
    expect(inside("/tmp/out", "acme/a.yaml")).toBe("/tmp/out/acme/a.yaml");
  });

  it("names version files by semver, apart when two differ only in case", () => {
    const v = (seq: number, version: string) => ({ workflowId: "x", seq, version }) as StoredWorkflowVersion;
    expect(versionNames([v(1, "1.0.0"), v(2, "1.0.1-RC"), v(3, "1.0.1-rc")])).toEqual(["1.0.0", "1.0.1-RC-seq2", "1.0.1-rc-seq3"]);
    expect(() => versionNames([v(1, "../1.0.0")])).toThrow("is not a semver");
  });
});
