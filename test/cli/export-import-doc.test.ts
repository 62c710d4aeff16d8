// docs/cli.md quotes `governance export` and `governance import`: the quoted lines are what the commands print.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WorkflowFormat } from "../../src/domain/stored-workflow.js";
import { importOrgWide } from "../../src/engine/org-wide.js";
import { openStore } from "../../src/store/open-store.js";
import { ROOT } from "../helpers/fixtures.js";
import { governanceIn } from "./process.js";

const doc = readFileSync(`${ROOT}docs/cli.md`, "utf8");

const yaml = (id: string, owner: string, name: string, version: string) =>
  `id: ${id}\nname: ${name}\nversion: ${version}\nowner: ${owner}\nrepositories: ["*"]\ntriggers: [{ type: onScanResult }]\nsteps:\n  - id: open\n    type: action\n    action: { kind: createIssue }\n`;

async function store(file: string, documents: { text: string; format: WorkflowFormat }[]): Promise<void> {
  const s = await openStore(`sqlite:${file}`);
  for (const d of documents) expect((await importOrgWide(s, { ...d, path: "doc", actor: "octocat", now: new Date() })).ok).toBe(true);
  await s.close();
}

/** The console block of docs/cli.md that shows `$ npx governance <args>`: its output lines. */
function quoted(args: string): string {
  const start = doc.indexOf(`$ npx governance ${args}\n`);
  expect(start, args).toBeGreaterThan(-1);
  const from = start + `$ npx governance ${args}\n`.length;
  return doc.slice(from, doc.indexOf("```", from));
}

describe("docs/cli.md on export and import", () => {
  it("quotes what governance export prints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-export-doc-"));
    const deps = { id: "deps-check", name: "Deps Check", version: "0.1.0", owner: "acme", repositories: ["*"], triggers: [{ type: "onScanResult" }], steps: [{ id: "open", type: "action", action: { kind: "createIssue" } }] };
    await store(join(dir, "app.db"), [
      { text: JSON.stringify(deps), format: "json" },
      { text: yaml("triage", "acme", "Triage", "2.0.0"), format: "yaml" },
    ]);
    const r = governanceIn(dir, ["export"], { DATABASE_URL: "sqlite:app.db" });
    expect(r.stdout).toBe(quoted("export"));
  });

  it("quotes what governance import prints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-import-doc-"));
    await store(join(dir, "app.db"), [
      { text: yaml("triage", "acme", "Triage", "2.0.0"), format: "yaml" },
      { text: yaml("octo-triage", "octo-org", "Triage", "1.0.0"), format: "yaml" },
      { text: yaml("gate", "acme", "Gate", "1.2.0"), format: "yaml" },
    ]);
    const out = join(dir, "governance-export");
    mkdirSync(join(out, "acme"), { recursive: true });
    mkdirSync(join(out, "octo-org"));
    writeFileSync(join(out, "acme", "deps-check.yaml"), yaml("deps-check", "acme", "Deps Check", "0.1.0"));
    writeFileSync(join(out, "acme", "gate.yaml"), yaml("gate", "acme", "Gate", "1.0.0").replace('["*"]', "[api]"));
    writeFileSync(join(out, "acme", "triage.yaml"), yaml("triage", "acme", "Triage", "2.1.0"));
    writeFileSync(join(out, "octo-org", "scan.yaml"), yaml("scan", "octo-org", "Scan", "1.0").replace("version: 1.0\nowner: octo-org", "owner: octo-org\nversion: 1.0").replace(/^id: scan\n/, ""));
    writeFileSync(join(out, "octo-org", "triage.yaml"), yaml("octo-triage", "octo-org", "Triage", "1.0.0"));
    const r = governanceIn(dir, ["import", "governance-export"], { DATABASE_URL: "sqlite:app.db" });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe(quoted("import governance-export"));
  });
});
