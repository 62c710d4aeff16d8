import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplePayload } from "../helpers/app.js";
import { governanceIn, oneLine } from "./process.js";

/** A folder with an empty `.governance/` and these files. */
function workspace(files: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "governance-errors-"));
  mkdirSync(join(dir, ".governance"));
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));
  return dir;
}

const WORKFLOW = "name: Scan\nversion: 1.0.0\ntriggers: [{ type: onScanResult }]\nsteps:\n  - id: open\n    type: action\n    action: { kind: createIssue }\n";

/** Every user error: exactly one line on stderr, nothing on stdout, exit status 2. */
function userError(dir: string, args: string[], env: Record<string, string> = {}): string {
  const r = governanceIn(dir, args, env);
  expect(r.status, args.join(" ")).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return oneLine(r);
}

describe("user errors are one line naming the place, exit status 2", () => {
  it("a payload of another event names the file and the JSON pointer", () => {
    const dir = workspace({ "pr.json": examplePayload("pull_request", "opened", 1), "empty.json": {} });
    expect(userError(dir, ["run", "--event", "code_scanning_alert.created", "--payload", "pr.json", "--dry-run"])).toBe(
      "governance: pr.json: not a code_scanning_alert payload: /alert/number must be an integer",
    );
    expect(userError(dir, ["run", "--event", "pull_request.opened", "--payload", "empty.json", "--dry-run"])).toBe("governance: empty.json: not a pull_request payload: /repository is missing");
    expect(userError(dir, ["run", "--manual", "Scan", "--payload", "empty.json", "--dry-run"])).toBe(
      "governance: empty.json: not a webhook payload: /repository/owner/login must be a non-empty string",
    );
  });

  it("a payload that cannot be read or parsed", () => {
    const dir = workspace({ "bad.json": "{ not json", "list.json": "[1]" });
    mkdirSync(join(dir, "folder.json"));
    const run = (payload: string) => userError(dir, ["run", "--event", "pull_request", "--payload", payload, "--dry-run"]);
    expect(run("missing.json")).toBe("governance: missing.json: cannot read the payload: ENOENT");
    expect(run("folder.json")).toBe("governance: folder.json: cannot read the payload: EISDIR");
    expect(run("bad.json")).toMatch(/^governance: bad\.json: the payload is not valid JSON: .+/);
    expect(run("list.json")).toBe("governance: list.json: the payload must be a JSON object");
  });

  it("a missing or invalid GOVERNANCE_CONFIG, and the variables that override it", () => {
    const dir = workspace({
      "alert.json": examplePayload("code_scanning_alert", "created"),
      "string.yml": "just a string\n",
      "two.yml": 'notify:\n  channels:\n    "#a": { webhookUrl: "ftp://x" }\n    "#b": { webhookUrl: "ftp://y" }\n',
    });
    const args = ["run", "--event", "code_scanning_alert.created", "--payload", "alert.json", "--dry-run"];
    expect(userError(dir, args, { GOVERNANCE_CONFIG: "nope.yml" })).toBe(
      "governance: nope.yml (GOVERNANCE_CONFIG): the operator configuration file named by GOVERNANCE_CONFIG does not exist; create it, or unset GOVERNANCE_CONFIG to run without one",
    );
    expect(userError(dir, args, { GOVERNANCE_CONFIG: "string.yml" })).toBe("governance: string.yml:1:1 (GOVERNANCE_CONFIG): the configuration must be a mapping, not a string");
    expect(userError(dir, args, { GOVERNANCE_CONFIG: "two.yml" })).toMatch(/^governance: two\.yml:3:\d+ \(GOVERNANCE_CONFIG\): notify\.channels\["#a"\]\.webhookUrl .+ \(and 1 more problem\)$/);
    expect(userError(dir, args, { GOVERNANCE_CONCURRENCY: "lots" })).toBe('governance: GOVERNANCE_CONCURRENCY: must be a whole number from 1 to 1024, not "lots"');
  });

  it("an unusable DATABASE_URL, never showing its password", () => {
    const line = userError(workspace(), ["runs"], { DATABASE_URL: "postgres://admin:hunter2@/governance" });
    expect(line).toBe("governance: DATABASE_URL: is not a valid postgres:// URL (postgres://user:password@host:5432/database)");
    expect(line).not.toContain("hunter2");
    expect(userError(workspace(), ["runs"], { DATABASE_URL: "mysql://x" })).toMatch(/^governance: DATABASE_URL: uses the unsupported scheme "mysql:"\. Use /);
  });

  it("a workflow file or folder that cannot be read", () => {
    const dir = workspace({ "alert.json": examplePayload("code_scanning_alert", "created") });
    writeFileSync(join(dir, ".governance", "ok.yml"), WORKFLOW);
    symlinkSync(join(dir, "gone.yml"), join(dir, ".governance", "dangling.yml"));
    const args = ["run", "--event", "code_scanning_alert.created", "--payload", "alert.json", "--dry-run"];
    expect(userError(dir, args)).toBe("governance: .governance/dangling.yml: cannot read the file: ENOENT");
    expect(userError(dir, [...args, "--workflows", "elsewhere"])).toBe("governance: elsewhere: no such folder (--workflows)");
    expect(userError(dir, [...args, "--workflows", "alert.json"])).toBe("governance: alert.json: no such folder (--workflows)");
  });

  it("bad flags name the flag and point at --help", () => {
    const dir = workspace({ "alert.json": examplePayload("code_scanning_alert", "created") });
    const cases: Array<[string[], string]> = [
      [["run", "--event", "pull_request", "--payload", "alert.json", "--chaged-files", "a"], 'governance: --chaged-files: unknown option (did you mean "--changed-files"?) (see "governance run --help")'],
      [["run", "--event", "pull_request", "--payload", "alert.json", "--dry-run", "--format"], 'governance: --format: needs a value (see "governance run --help")'],
      [["run", "--event", "pull_request", "--payload", "alert.json", "--dry-run", "--format", "xml"], 'governance: --format: unknown format "xml"; expected text or json (see "governance run --help")'],
      [["run", "--event", "pull_request", "--payload", "alert.json"], 'governance: --dry-run: required: running against GitHub from the command line is not supported yet (see "governance run --help")'],
      [["run", "--payload", "alert.json", "--dry-run"], 'governance: --event: required (for example --event code_scanning_alert.created), or --manual <workflow>, or --schedule (see "governance run --help")'],
      [["run", "--event", "pull_request", "--dry-run"], 'governance: --payload: required with --event: a webhook payload as JSON (see "governance run --help")'],
      [["run", "--event", "pull_request", "--schedule", "--dry-run"], 'governance: --schedule: give one of --event, --manual and --schedule, not --event and --schedule (see "governance run --help")'],
      [["run", "--schedule", "--input", "a=b", "--dry-run"], 'governance: --input: only goes with --manual (see "governance run --help")'],
      [["run", "stray", "--dry-run"], 'governance: stray: unexpected argument: this command takes options only (see "governance run --help")'],
      [["runs", "--limit", "0"], 'governance: --limit: "0" is not a whole number from 1 to 500 (see "governance runs --help")'],
    ];
    for (const [args, line] of cases) expect(userError(dir, args)).toBe(line);
  });
});

describe("internal errors", () => {
  it("keep their stack and exit with status 1", async () => {
    // A database whose stored run cannot be parsed: not something the user typed wrong.
    const dir = workspace();
    const { openStore } = await import("../../src/store/open-store.js");
    const store = await openStore(`sqlite:${join(dir, "data", "governance.db")}`);
    await store.close();
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(join(dir, "data", "governance.db"));
    db.prepare(
      "INSERT INTO deliveries (id, event, action, installation_id, repository, payload, triggers, repository_info, received_at) VALUES ('d', 'manual', NULL, 1, 'acme/api', '{}', '[]', '{}', '2030-01-01T00:00:00Z')",
    ).run();
    db.prepare(
      "INSERT INTO runs (id, dedupe_key, workflow_id, workflow_name, workflow_version, workflow_path, workflow_commit, definition, installation_id, repository, delivery_id, trigger_index, status, created_at, steps, version) VALUES ('r', 'k', 'w', 'W', '1', 'p', 'c', '{', 1, 'acme/api', 'd', 0, 'running', '2030-01-01T00:00:00Z', '{', 1)",
    ).run();
    db.close();
    const r = governanceIn(dir, ["runs", "show", "r"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^governance runs: internal error \(please report it\): SyntaxError: .+\n\s+at /);
  });
});
