import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplePayload } from "../helpers/app.js";
import { ROOT } from "../helpers/fixtures.js";
import { governanceIn } from "./process.js";

/** docs/cli.md quotes the command's output: the quoted lines are what the command prints. */
const doc = readFileSync(`${ROOT}docs/cli.md`, "utf8");

function workspace(workflows: Record<string, string>, files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "governance-doc-"));
  mkdirSync(join(dir, ".governance"));
  for (const [name, text] of Object.entries(workflows)) writeFileSync(join(dir, ".governance", name), text);
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(value));
  return dir;
}

describe("docs/cli.md", () => {
  it("quotes the paths hint, the waiting check run and two error lines as the command prints them", () => {
    const dir = workspace(
      {
        "deps.yml": 'name: Deps\nversion: 1.0.0\ntriggers: [{ type: onPR, config: { paths: ["package.json"] } }]\nsteps:\n  - id: open\n    type: action\n    action: { kind: createIssue }\n',
        "gate.yml": "name: Gate\nversion: 1.0.0\ntriggers: [{ type: onScanResult }]\nsteps:\n  - id: ok\n    type: approval\n    approval: { approvers: [lead] }\n",
      },
      { "pr.json": examplePayload("pull_request", "opened", 1), "alert.json": examplePayload("code_scanning_alert", "created") },
    );
    const hint = governanceIn(dir, ["run", "--event", "pull_request.opened", "--payload", "pr.json", "--dry-run"]).stdout.split("\n")[0]!;
    expect(doc).toContain(`  ${hint}\n`);
    const gate = governanceIn(dir, ["run", "--event", "code_scanning_alert.created", "--payload", "alert.json", "--dry-run"]).stdout;
    const check = gate.split("\n").filter((l) => l.startsWith('  check run "governance / Gate"') || l.startsWith("    buttons:"));
    expect(check).toHaveLength(2);
    expect(doc).toContain(check.map((l) => `  ${l}`).join("\n"));
    for (const args of [
      ["run", "--event", "code_scanning_alert.created", "--payload", "pr.json", "--dry-run"],
      ["run", "--event", "pull_request", "--payload", "pr.json", "--chaged-files", "a"],
    ]) {
      expect(doc).toContain(`$ npx governance ${args.join(" ")}\n${governanceIn(dir, args).stderr}`);
    }
  });
});
