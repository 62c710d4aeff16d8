import { describe, expect, it } from "vitest";
import type { RepositoryInfo } from "../../src/domain/events.js";
import type { GitHubPort, GovernanceFolder } from "../../src/domain/ports.js";
import { WorkflowSource } from "../../src/engine/workflow-source.js";

const repo = (name: string): RepositoryInfo => ({ id: name.length, owner: "acme", name, fullName: `acme/${name}`, defaultBranch: "main", url: `https://github.com/acme/${name}` });

const workflow = (name: string, padding = 0) => `name: ${name}\nversion: 1.0.0\ntriggers:\n  - type: manual\nsteps:\n  - id: say\n    type: action\n    action:\n      kind: notify\n      parameters:\n        message: hi\n        channel: "#ops"\n# ${"x".repeat(padding)}\n`;

/** A port serving one folder per repository, counting the reads. */
function port(folders: Record<string, string[]>): { github: GitHubPort; reads: string[] } {
  const reads: string[] = [];
  const github = {
    async readGovernanceFolder(r: { repo: string }): Promise<GovernanceFolder> {
      reads.push(r.repo);
      const texts = folders[r.repo] ?? [];
      return { commit: "c".repeat(40), files: texts.map((text, i) => ({ path: `.governance/w${i}.yml`, oid: `${r.repo}-${i}-${text.length}`, byteSize: text.length, text })) };
    },
  } as unknown as GitHubPort;
  return { github, reads };
}

describe("WorkflowSource caches", () => {
  it("keeps policies within their characters of workflow text: a small folder stays, a large one is read again", async () => {
    const { github, reads } = port({ small: [workflow("Small")], large: [workflow("Large", 60_000), workflow("Large 2", 60_000)] });
    const source = new WorkflowSource(2000, 60_000, () => 0, 100_000);
    for (let i = 0; i < 3; i++) {
      expect((await source.loadPolicy(github, repo("small"))).workflows.map((w) => w.workflow.name)).toEqual(["Small"]);
      expect((await source.loadPolicy(github, repo("large"))).workflows.map((w) => w.workflow.name)).toEqual(["Large", "Large 2"]);
    }
    expect(reads.filter((r) => r === "small")).toEqual(["small"]);
    expect(reads.filter((r) => r === "large")).toEqual(["large", "large", "large"]);
  });

  it("keeps policies within their count", async () => {
    const { github, reads } = port({ a: [workflow("A")], b: [workflow("B")], c: [workflow("C")] });
    const source = new WorkflowSource(2);
    for (const name of ["a", "b", "a", "c", "a", "b"]) await source.loadPolicy(github, repo(name));
    // a stays (used most recently each time), b is pushed out by c, then read again.
    expect(reads).toEqual(["a", "b", "c", "b"]);
  });
});
