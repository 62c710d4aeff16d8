import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { governance } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/fixtures.js";

function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "governance-cli-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const VALID = "name: Ok\nversion: 1.0.0\ntriggers: [{ type: manual }]\nsteps:\n  - id: s1\n    type: action\n    action: { kind: createIssue }\n";
const INVALID = "name: Broken\nversion: 1.0.0\ntriggers: [{ type: manual }]\nsteps:\n  - id: s1\n    type: action\n    action: { kind: createIsue }\n";

describe("governance validate", () => {
  it("checks .governance/ in the current directory by default and exits 0 when all is valid", () => {
    const dir = workspace({ ".governance/ok.yml": VALID, ".governance/README.md": "not a workflow" });
    const r = governance(["validate"], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("1 file checked: 1 valid, 0 invalid (0 errors, 0 warnings)\n");
    expect(r.status).toBe(0);
  });

  it("prints path:line:col: severity: message for each problem and exits 1", () => {
    const dir = workspace({ ".governance/a-ok.yml": VALID, ".governance/b-broken.yml": INVALID });
    const r = governance(["validate"], dir);
    expect(r.stdout.split("\n")).toEqual([
      '.governance/b-broken.yml:7:21: error: steps[0].action.kind: unknown action kind "createIsue"; expected one of createIssue, assignTask, runRemediation, notify, runScript (did you mean "createIssue"?)',
      "2 files checked: 1 valid, 1 invalid (1 error, 0 warnings)",
      "",
    ]);
    expect(r.status).toBe(1);
  });

  it("checks org-wide documents with --org-wide: owner and repositories required there, refused without the flag", () => {
    const orgWide = VALID.replace("version: 1.0.0\n", "version: 1.0.0\nowner: acme\nrepositories: [\"*\"]\n");
    const dir = workspace({ "policies/all.yml": orgWide, "policies/no-filter.yml": VALID.replace("version: 1.0.0\n", "version: 1.0.0\nowner: acme\n") });
    const r = governance(["validate", "--org-wide", "policies"], dir);
    expect(r.stdout.split("\n")).toEqual([
      "policies/no-filter.yml:1:1: error: an org-wide workflow needs `repositories`: which of the owner's repositories it applies to, by name or glob ([\"*\"] for every one)",
      "2 files checked: 1 valid, 1 invalid (1 error, 0 warnings)",
      "",
    ]);
    expect(r.status).toBe(1);
    const plain = governance(["validate", "policies/all.yml"], dir);
    expect(plain.stdout).toContain("policies/all.yml:3:8: error: owner: `owner` belongs to org-wide workflows");
    expect(plain.status).toBe(1);
  });

  it("accepts files and folders, and exits 0 when there are only warnings", () => {
    const dir = workspace();
    cpSync(`${FIXTURES}workflows/valid`, join(dir, "valid"), { recursive: true });
    const r = governance(["validate", "valid/unreachable-step.yml", "valid"], dir);
    expect(r.stdout).toContain('valid/unreachable-step.yml:10:5: warning: steps[1]: step "orphan" is never reached from the first step\n');
    expect(r.stdout).toMatch(/^6 files checked: 6 valid, 0 invalid \(0 errors, 2 warnings\)$/m);
    expect(r.status).toBe(0);
  });

  it("prints the documented JSON report with --format json", () => {
    const dir = workspace({ "flows/broken.yml": INVALID, "flows/ok.json": JSON.stringify({ name: "Ok", version: "1.0.0", triggers: [{ type: "manual" }], steps: [{ id: "s1", type: "action", action: { kind: "createIssue" } }] }) });
    const r = governance(["validate", "flows", "--format", "json"], dir);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      files: [
        {
          path: "flows/broken.yml",
          valid: false,
          errors: [{ line: 7, col: 21, severity: "error", message: expect.stringContaining('unknown action kind "createIsue"'), pointer: "/steps/0/action/kind" }],
        },
        { path: "flows/ok.json", valid: true, errors: [] },
      ],
    });
  });

  it("exits 2 on an unknown option, naming it", () => {
    const r = governance(["validate", "--strict"], workspace({ ".governance/ok.yml": VALID }));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('governance: --strict: unknown option (see "governance validate --help")\n');
    expect(r.stdout).toBe("");
  });

  it("exits 2 on a path that does not exist", () => {
    const r = governance(["validate", "nowhere/"], workspace());
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("governance: nowhere/: no such file or folder\n");
  });

  it("exits 2 when the default .governance/ folder is missing", () => {
    const r = governance(["validate"], workspace());
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("governance: .governance: no such file or folder\n");
  });

  it("exits 2 on an unknown format", () => {
    const r = governance(["validate", "--format", "xml"], workspace({ ".governance/ok.yml": VALID }));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('governance: --format: unknown format "xml"; expected text or json (see "governance validate --help")\n');
  });

  it("refuses a file over the size cap without reading it", () => {
    const dir = workspace({ ".governance/huge.yml": "# " + "x".repeat(300 * 1024) });
    const r = governance(["validate"], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(".governance/huge.yml:1:1: error: the file is too large (301 KiB; at most 256 KiB)");
  });

  it("shows help with --help and exits 0", () => {
    const r = governance(["validate", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: governance validate [PATH...] [--format text|json]");
  });
});

describe("governance", () => {
  it("exits 2 on an unknown command", () => {
    const r = governance(["frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('governance: frobnicate: unknown command; expected one of validate, run, runs, export, import, worker (see "governance --help")\n');
  });

  it("prints its version", () => {
    const r = governance(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
