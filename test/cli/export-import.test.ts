// `governance export` and `governance import` on SQLite files: the round trip is byte-identical, re-imports change nothing, problems name the file.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WorkflowFormat } from "../../src/domain/stored-workflow.js";
import { importOrgWide } from "../../src/engine/org-wide.js";
import { openStore } from "../../src/store/open-store.js";
import { governanceIn, oneLine } from "./process.js";

const STEPS = "steps:\n  - id: open # opens an issue\n    type: action\n    action: { kind: createIssue }\n";

/** Triage, 3 versions: YAML with comments, no id (the store gives it one). */
const triage = (version: string, repositories: string) =>
  `# Triage: the security team's policy\nname: Triage\nversion: ${version}\nowner: acme\nrepositories: ${repositories}\ntriggers: [{ type: onScanResult }] # any scanner\n${STEPS}`;

const json = (fields: Record<string, unknown>) =>
  `${JSON.stringify({ ...fields, triggers: [{ type: "onScanResult" }], steps: [{ id: "open", type: "action", action: { kind: "createIssue" } }] }, null, 2)}\n`;

const DOCUMENTS: { text: string; format: WorkflowFormat }[] = [
  { text: triage("1.0.0", "[api]"), format: "yaml" },
  { text: triage("1.1.0", '[api, "web-*"]'), format: "yaml" },
  { text: triage("2.0.0", '["*"]'), format: "yaml" },
  { text: json({ id: "deps-json", name: "Deps Check", version: "0.1.0", owner: "acme", repositories: ["*"] }), format: "json" },
  { text: `id: deps-yaml\nname: deps-check\nversion: 3.0.0\nowner: acme\nrepositories: [api]\ntriggers: [{ type: onScanResult }]\n${STEPS}`, format: "yaml" },
  { text: `name: Triage\nversion: 1.0.0\nowner: Octo-Org\nrepositories: ["*"]\ntriggers: [{ type: onScanResult }]\n${STEPS}`, format: "yaml" },
];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "governance-export-"));
}

/** A database file holding DOCUMENTS (made through importOrgWide, as the API or an import would). */
async function seeded(dir: string, name = "a.db"): Promise<string> {
  const store = await openStore(`sqlite:${join(dir, name)}`);
  for (const [i, d] of DOCUMENTS.entries()) {
    const r = await importOrgWide(store, { ...d, path: `doc-${i}`, actor: "octocat", now: new Date(Date.UTC(2030, 0, 1, 0, 0, i)) });
    expect(r.ok, JSON.stringify(r)).toBe(true);
  }
  await store.close();
  return name;
}

/** Every file under `dir`, by relative path, with its bytes as text. */
function tree(dir: string): Record<string, string> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

const cli = (dir: string, db: string, args: string[]) => governanceIn(dir, args, { DATABASE_URL: `sqlite:${db}` });

async function versionCounts(file: string): Promise<number[]> {
  const store = await openStore(`sqlite:${file}`);
  try {
    const page = await store.listCatalogue({ source: "api" });
    return page.entries.map((e) => (e.source === "api" ? e.workflow.versions : 0));
  } finally {
    await store.close();
  }
}

describe("governance export", () => {
  it("writes each workflow's latest version as it was stored, at <owner>/<slug>.<ext>", async () => {
    const dir = tempDir();
    const db = await seeded(dir);
    const r = cli(dir, db, ["export"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const files = tree(join(dir, "governance-export"));
    expect(Object.keys(files)).toEqual(["acme/deps-check-deps-jso.yaml", "acme/deps-check-deps-yam.yaml", "acme/triage.yaml", "octo-org/triage.yaml"]);
    // The stored YAML text with its id added, comments and all.
    expect(files["acme/triage.yaml"]).toMatch(/^id: [0-9a-f-]{36}\n# Triage: the security team's policy\nname: Triage\nversion: 2.0.0\n/);
    expect(files["acme/triage.yaml"]).toContain("- id: open # opens an issue\n");
    expect(files["acme/deps-check-deps-yam.yaml"]).toBe(DOCUMENTS[4]!.text);
    // A JSON source converted to YAML.
    expect(files["acme/deps-check-deps-jso.yaml"]).toMatch(/^id: deps-json\nname: Deps Check\n/);
    expect(r.stdout).toContain("wrote governance-export/acme/triage.yaml (acme: Triage 2.0.0)\n");
    expect(r.stdout.endsWith("Exported 4 workflows (4 files) to governance-export.\n")).toBe(true);
  });

  it("writes every version with --all-versions, and JSON with --format json", async () => {
    const dir = tempDir();
    const db = await seeded(dir);
    expect(cli(dir, db, ["export", "--all-versions", "--out", "all"]).status).toBe(0);
    const triageFiles = Object.keys(tree(join(dir, "all"))).filter((f) => f.startsWith("acme/triage/"));
    expect(triageFiles).toEqual(["acme/triage/1.0.0.yaml", "acme/triage/1.1.0.yaml", "acme/triage/2.0.0.yaml"]);
    expect(cli(dir, db, ["export", "--format", "json", "--out", "j"]).status).toBe(0);
    const files = tree(join(dir, "j"));
    expect(files["acme/deps-check-deps-jso.json"]).toBe(DOCUMENTS[3]!.text);
    expect(JSON.parse(files["octo-org/triage.json"]!)).toMatchObject({ name: "Triage", owner: "Octo-Org", repositories: ["*"] });
  });

  it("says so and writes nothing when the store holds no org-wide workflow", async () => {
    const dir = tempDir();
    await (await openStore(`sqlite:${join(dir, "empty.db")}`)).close();
    const r = cli(dir, "empty.db", ["export"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("No org-wide workflows in the database: nothing written.\n");
    expect(existsSync(join(dir, "governance-export"))).toBe(false);
  });

  it("refuses a bad --format, an argument and a missing database in one line, exit status 2", () => {
    const dir = tempDir();
    const line = (args: string[], env: Record<string, string> = {}) => {
      const r = governanceIn(dir, args, env);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      return oneLine(r);
    };
    expect(line(["export", "--format", "xml"])).toBe('governance: --format: unknown format "xml"; expected yaml or json (see "governance export --help")');
    expect(line(["export", "out"])).toBe('governance: out: unexpected argument: this command takes options only (see "governance export --help")');
    expect(line(["export"])).toBe(
      `governance: DATABASE_URL (unset; the default is sqlite:./data/governance.db): no database at ${join(dir, "data", "governance.db")}; is this the DATABASE_URL (and the folder) the app runs with?`,
    );
    expect(line(["export"], { DATABASE_URL: "sqlite:nope.db" })).toBe(`governance: DATABASE_URL=sqlite:nope.db: no database at ${join(dir, "nope.db")}; is this the DATABASE_URL (and the folder) the app runs with?`);
    expect(existsSync(join(dir, "data"))).toBe(false);
    expect(existsSync(join(dir, "nope.db"))).toBe(false);
  });
});

describe("export → import → export", () => {
  for (const flags of [[], ["--all-versions"], ["--format", "json"], ["--all-versions", "--format", "json"]]) {
    it(`is byte-identical${flags.length ? ` with ${flags.join(" ")}` : ""}, and a second import changes nothing`, async () => {
      const dir = tempDir();
      const db = await seeded(dir);
      expect(cli(dir, db, ["export", ...flags, "--out", "one"]).status).toBe(0);
      const imported = cli(dir, "b.db", ["import", "one"]);
      expect(imported.stderr).toBe("");
      expect(imported.status).toBe(0);
      const files = Object.keys(tree(join(dir, "one")));
      expect(imported.stdout).toMatch(new RegExp(`^${files.length} files: 4 created, ${files.length - 4} updated, 0 unchanged, 0 failed$`, "m"));
      expect(cli(dir, "b.db", ["export", ...flags, "--out", "two"]).status).toBe(0);
      expect(tree(join(dir, "two"))).toEqual(tree(join(dir, "one")));
      const before = await versionCounts(join(dir, "b.db"));
      expect(before).toEqual(flags.includes("--all-versions") ? [3, 1, 1, 1] : [1, 1, 1, 1]);

      const again = cli(dir, "b.db", ["import", "one"]);
      expect(again.status).toBe(0);
      const lines = again.stdout.trimEnd().split("\n");
      expect(lines.slice(0, -1).every((l) => l.endsWith(": unchanged"))).toBe(true);
      expect(lines.at(-1)).toBe(`${files.length} files: 0 created, 0 updated, ${files.length} unchanged, 0 failed`);
      expect(await versionCounts(join(dir, "b.db"))).toEqual(before);
    });
  }
});

describe("governance import", () => {
  it("updates to a greater version, and refuses changed content under the same version", async () => {
    const dir = tempDir();
    const db = await seeded(dir);
    expect(cli(dir, db, ["export"]).status).toBe(0);
    const file = join(dir, "governance-export", "acme", "triage.yaml");
    const exported = readFileSync(file, "utf8");
    writeFileSync(file, exported.replace("version: 2.0.0", "version: 2.1.0").replace(/^repositories: .*$/m, "repositories: [api]"));
    const updated = cli(dir, db, ["import", "governance-export/acme/triage.yaml"]);
    expect(updated.status).toBe(0);
    expect(updated.stdout).toBe("governance-export/acme/triage.yaml: updated to 2.1.0\n1 file: 0 created, 1 updated, 0 unchanged, 0 failed\n");

    writeFileSync(file, exported.replace("version: 2.0.0", "version: 2.1.0").replace(/^repositories: .*$/m, "repositories: [web]"));
    const refused = cli(dir, db, ["import", "governance-export"]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toContain("governance-export/acme/triage.yaml: /version: the version must grow: 2.1.0 is not greater than the latest, 2.1.0\n");
    // The other files were still imported (each its own transaction): here all unchanged.
    expect(refused.stdout).toContain("governance-export/octo-org/triage.yaml: unchanged\n");
    expect(refused.stdout.endsWith("4 files: 0 created, 0 updated, 3 unchanged, 1 failed\n")).toBe(true);
    expect(await versionCounts(join(dir, db))).toEqual([4, 1, 1, 1]);
  });

  it("takes an earlier version stored as it is as unchanged, and refuses one changed under its version", async () => {
    const dir = tempDir();
    const db = await seeded(dir);
    expect(cli(dir, db, ["export", "--all-versions"]).status).toBe(0);
    const first = join(dir, "governance-export", "acme", "triage", "1.0.0.yaml");
    writeFileSync(first, readFileSync(first, "utf8").replace(/^repositories: .*$/m, "repositories: [web]"));
    const r = cli(dir, db, ["import", "governance-export/acme/triage"]);
    expect(r.stdout).toBe(
      [
        "governance-export/acme/triage/1.0.0.yaml: /version: the version must grow: 1.0.0 is not greater than the latest, 2.0.0",
        "governance-export/acme/triage/1.1.0.yaml: unchanged",
        "governance-export/acme/triage/2.0.0.yaml: unchanged",
        "3 files: 0 created, 0 updated, 2 unchanged, 1 failed",
        "",
      ].join("\n"),
    );
    expect(r.status).toBe(2);
  });

  it("reports every problem of a bad file at file:line:col, and still imports the good ones", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "in", "nested"), { recursive: true });
    writeFileSync(join(dir, "in", "syntax.yaml"), "name: X\nversion: [1.0.0\n");
    writeFileSync(join(dir, "in", "nested", "no-owner.yml"), `name: X\nversion: 1.0.0\ntriggers: [{ type: onScanResult }]\n${STEPS}`);
    writeFileSync(join(dir, "in", "binary.json"), Buffer.from([0xff, 0xfe, 0x00]));
    writeFileSync(join(dir, "in", "big.yaml"), `# ${"x".repeat(300 * 1024)}\n`);
    writeFileSync(join(dir, "in", "good.yaml"), DOCUMENTS[4]!.text);
    writeFileSync(join(dir, "in", "notes.txt"), "not a workflow");
    writeFileSync(join(dir, "in", ".hidden.yaml"), "not: read");
    const r = cli(dir, "b.db", ["import", "in"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("in/big.yaml:1:1: error: the file is too large (301 KiB; at most 256 KiB)");
    expect(lines[1]).toBe("in/binary.json:1:1: error: the file is not valid UTF-8 text");
    expect(lines[2]).toBe("in/good.yaml: created");
    expect(lines[3]).toMatch(/^in\/nested\/no-owner\.yml:1:1: error: .*an org-wide workflow needs `owner`/);
    expect(lines[4]).toMatch(/^in\/nested\/no-owner\.yml:1:1: error: .*an org-wide workflow needs `repositories`/);
    expect(lines[5]).toMatch(/^in\/syntax\.yaml:3:1: error: YAML syntax error: /);
    expect(lines[6]).toBe("5 files: 1 created, 0 updated, 0 unchanged, 4 failed");
  });

  it("stores a folder of versions in version order, whatever their file names' order", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "v"));
    const doc = (version: string) => `id: wf-order\nname: Order\nversion: ${version}\nowner: acme\nrepositories: [api]\ntriggers: [{ type: onScanResult }]\n${STEPS}`;
    for (const v of ["1.10.0", "1.2.0", "1.9.0-rc.1"]) writeFileSync(join(dir, "v", `${v}.yaml`), doc(v));
    const r = cli(dir, "b.db", ["import", "v"]);
    expect(r.stdout).toBe("v/1.2.0.yaml: created\nv/1.9.0-rc.1.yaml: updated to 1.9.0-rc.1\nv/1.10.0.yaml: updated to 1.10.0\n3 files: 1 created, 2 updated, 0 unchanged, 0 failed\n");
    expect(r.status).toBe(0);
  });

  it("refuses usage mistakes, missing paths and sqlite::memory: in one line, importing nothing", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "good.yaml"), DOCUMENTS[4]!.text);
    const line = (args: string[], env: Record<string, string> = { DATABASE_URL: "sqlite:b.db" }) => {
      const r = governanceIn(dir, args, env);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      return oneLine(r);
    };
    expect(line(["import"])).toBe('governance: import: needs the files or folders to import: governance import <file|dir>... (see "governance import --help")');
    expect(line(["import", "good.yaml", "missing"])).toBe("governance: missing: no such file or folder");
    expect(line(["import", "--all", "good.yaml"])).toBe('governance: --all: unknown option (see "governance import --help")');
    expect(existsSync(join(dir, "b.db"))).toBe(false);
    expect(line(["import", "good.yaml"], { DATABASE_URL: "sqlite::memory:" })).toBe(
      "governance: DATABASE_URL: sqlite::memory: would keep the imported workflows in this command's own memory, lost when it ends; point DATABASE_URL at the app's database file",
    );
  });

  it("prints its usage with --help, as governance --help lists it", () => {
    const dir = tempDir();
    expect(governanceIn(dir, ["import", "--help"]).stdout).toMatch(/^Usage: governance import <file\|dir>\.\.\.\n/);
    expect(governanceIn(dir, ["export", "--help"]).stdout).toMatch(/^Usage: governance export \[--out <dir>\] \[--format yaml\|json\] \[--all-versions\]\n/);
    const help = governanceIn(dir, ["--help"]).stdout;
    expect(help).toContain("  export [--out DIR] [--format yaml|json] [--all-versions]\n");
    expect(help).toContain("  import FILE|DIR...   validate org-wide workflow files and store them\n");
  });
});
