import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Delivery } from "../../src/domain/events.js";
import type { Store } from "../../src/domain/ports.js";
import type { Run } from "../../src/domain/run.js";
import { migrations } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/open-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { governanceIn, oneLine } from "./process.js";

const REPO = { id: 1, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" };
const DELIVERY: Delivery = { id: "d-1", event: "manual", installationId: 7, repository: REPO, triggers: [{ kind: "manual", workflow: "triage", inputs: {}, actor: "octocat" }], payload: {}, receivedAt: "2030-01-01T00:00:00.000Z" };

function run(id: string, second: number, overrides: Partial<Run>): Run {
  const at = (s: number) => `2030-01-01T00:00:${String(s).padStart(2, "0")}.000Z`;
  return {
    id,
    workflowId: "wf-triage",
    workflowName: "Triage",
    workflowVersion: "1.2.0",
    workflowPath: ".governance/triage.yml",
    workflowCommit: "c".repeat(40),
    definition: { name: "Triage", version: "1.2.0", triggers: [{ type: "manual" }], steps: [] },
    installationId: 7,
    repository: "acme/api",
    deliveryId: "d-1",
    triggerIndex: 0,
    dedupeKey: `key-${id}`,
    status: "running",
    createdAt: at(second),
    startedAt: at(second),
    steps: [],
    log: [{ ts: at(second), level: "info", message: "run started", meta: { trigger: "manual" } }],
    ...overrides,
  };
}

/** Four runs, oldest first: one done, one waiting for approval, one failed, one running in another repository. */
const RUNS: Run[] = [
  run("run-1", 1, {
    status: "succeeded",
    finishedAt: "2030-01-01T00:00:02.000Z",
    steps: [{ stepId: "open", type: "action", kind: "createIssue", status: "succeeded", attempt: 1, startedAt: "2030-01-01T00:00:01.000Z", finishedAt: "2030-01-01T00:00:01.250Z", parameters: { title: "Fix it" }, outputs: { number: 12 } }],
  }),
  run("run-2", 3, {
    currentStepId: "ok",
    checkRunId: 555,
    steps: [
      {
        stepId: "ok",
        type: "approval",
        status: "waiting",
        attempt: 1,
        startedAt: "2030-01-01T00:00:03.000Z",
        waiting: { kind: "approval", approvers: ["lead", "@acme/sec"], minApprovals: 2, votes: [{ actor: "lead", decision: "approve", at: "2030-01-01T00:00:04.000Z", via: "comment" }], timeoutAt: "2030-01-08T00:00:03.000Z" },
      },
    ],
  }),
  run("run-3", 5, {
    workflowName: "Fixer",
    status: "failed",
    finishedAt: "2030-01-01T00:00:06.000Z",
    steps: [{ stepId: "fix", type: "action", kind: "runRemediation", status: "failed", attempt: 1, parameters: { workflow: "fix.yml" }, error: 'action kind "runRemediation" is not supported yet' }],
    log: [
      { ts: "2030-01-01T00:00:05.000Z", level: "info", message: "run started" },
      { ts: "2030-01-01T00:00:06.000Z", level: "error", message: "run failed: \u001b[31mstep \"fix\" failed" },
    ],
  }),
  run("run-4", 7, { repository: "acme/web", currentStepId: "open", steps: [{ stepId: "open", type: "action", kind: "createIssue", status: "running", attempt: 1 }] }),
];

let open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

/** A folder whose ./data/governance.db (the app's default) holds RUNS; the store stays open, as the running app's would. */
async function appDatabase(): Promise<{ dir: string; store: Store }> {
  const dir = mkdtempSync(join(tmpdir(), "governance-runs-"));
  const store = await openStore(`sqlite:${join(dir, "data", "governance.db")}`);
  open.push(store);
  await store.acceptDelivery(DELIVERY);
  for (const r of RUNS) await store.createRun(r);
  return { dir, store };
}

const LIST = [
  "RUN    REPOSITORY  WORKFLOW  STATUS     STARTED (UTC)        FINISHED (UTC)       AT",
  "run-4  acme/web    Triage    running    2030-01-01 00:00:07  —                    open",
  'run-3  acme/api    Fixer     failed     2030-01-01 00:00:05  2030-01-01 00:00:06  fix failed: action kind "runRemediation" is not supported yet',
  "run-2  acme/api    Triage    waiting    2030-01-01 00:00:03  —                    ok: approval by lead, @acme/sec (1 of 2) until 2030-01-08 00:00:03 UTC",
  "run-1  acme/api    Triage    succeeded  2030-01-01 00:00:01  2030-01-01 00:00:02  —",
];

describe("governance runs", () => {
  it("lists the runs of the app's database, newest first, while the app has it open", async () => {
    const { dir } = await appDatabase();
    const r = governanceIn(dir, ["runs"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(LIST.join("\n") + "\n");
  });

  it("filters by status (waiting and running told apart), repository and limit", async () => {
    const { dir } = await appDatabase();
    const rows = (args: string[]) => governanceIn(dir, ["runs", ...args]).stdout.split("\n").slice(1, -1).map((l) => l.split(" ")[0]);
    expect(rows(["--status", "waiting"])).toEqual(["run-2"]);
    expect(rows(["--status", "running"])).toEqual(["run-4"]);
    expect(rows(["--status", "failed"])).toEqual(["run-3"]);
    expect(rows(["--repo", "acme/api"])).toEqual(["run-3", "run-2", "run-1"]);
    expect(rows(["--repo", "acme/api", "--status", "running"])).toEqual([]);
    expect(rows(["--limit", "2"])).toEqual(["run-4", "run-3"]);
    expect(governanceIn(dir, ["runs", "--status", "cancelled", "--repo", "acme/api"]).stdout).toBe("No cancelled runs of acme/api.\n");
  });

  it("prints JSON with --json", async () => {
    const { dir } = await appDatabase();
    const out = JSON.parse(governanceIn(dir, ["runs", "--status", "waiting", "--json"]).stdout);
    expect(out).toEqual({
      runs: [
        {
          id: "run-2",
          repository: "acme/api",
          workflow: { id: "wf-triage", name: "Triage", version: "1.2.0", path: ".governance/triage.yml" },
          status: "waiting",
          createdAt: "2030-01-01T00:00:03.000Z",
          startedAt: "2030-01-01T00:00:03.000Z",
          finishedAt: null,
          currentStep: "ok",
          waits: [
            {
              step: "ok",
              kind: "approval",
              for: "approval by lead, @acme/sec (1 of 2)",
              until: "2030-01-08T00:00:03.000Z",
              votes: [{ actor: "lead", decision: "approve", at: "2030-01-01T00:00:04.000Z", via: "comment" }],
            },
          ],
        },
      ],
    });
  });

  it("sees what the running app commits after it started reading", async () => {
    const { dir, store } = await appDatabase();
    const before = (await store.getRun("run-4"))!;
    const moved = await store.commitRun({ ...before, status: "succeeded", finishedAt: "2030-01-01T00:00:08.000Z", currentStepId: undefined, steps: [{ ...before.steps[0]!, status: "succeeded" }] });
    expect(moved.committed).toBe(true);
    expect(governanceIn(dir, ["runs", "--limit", "1"]).stdout.split("\n")[1]).toBe("run-4  acme/web    Triage    succeeded  2030-01-01 00:00:07  2030-01-01 00:00:08  —");
  });

  it("reads DATABASE_URL from the environment, else from ./.env as the app does", async () => {
    const { dir } = await appDatabase();
    const other = mkdtempSync(join(tmpdir(), "governance-runs-env-"));
    expect(governanceIn(other, ["runs", "--limit", "1"], { DATABASE_URL: `sqlite:${join(dir, "data", "governance.db")}` }).stdout.split("\n")[1]).toMatch(/^run-4 /);
    writeFileSync(join(other, ".env"), `DATABASE_URL=sqlite:${join(dir, "data", "governance.db")}\n`);
    expect(governanceIn(other, ["runs", "--limit", "1"]).stdout.split("\n")[1]).toMatch(/^run-4 /);
  });
});

describe("governance runs show", () => {
  it("shows a waiting run: its steps, what it waits for and until when, its votes and its log", async () => {
    const { dir } = await appDatabase();
    const r = governanceIn(dir, ["runs", "show", "run-2"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        "run run-2: waiting",
        "  workflow    Triage 1.2.0 (.governance/triage.yml at ccccccc)",
        "  repository  acme/api",
        "  created     2030-01-01 00:00:03 UTC",
        "  started     2030-01-01 00:00:03 UTC",
        "  finished    —",
        "  delivery    d-1",
        "  check run   555",
        "",
        "steps:",
        "  ⏸ ok  approval  waiting",
        "",
        "waits:",
        "  ok: approval by lead, @acme/sec (1 of 2), until 2030-01-08 00:00:03 UTC",
        "      approved by lead at 2030-01-01 00:00:04 UTC (comment)",
        "",
        "log:",
        "  2030-01-01 00:00:03.000 INFO run started trigger=manual",
        "",
      ].join("\n"),
    );
  });

  it("shows a failed run's parameters and error, with control characters of the log taken out", async () => {
    const { dir } = await appDatabase();
    const r = governanceIn(dir, ["runs", "show", "run-3"]);
    expect(r.stdout).toContain('  ✗ fix  action runRemediation  failed\n      parameters {"workflow":"fix.yml"}\n      error      action kind "runRemediation" is not supported yet\n');
    expect(r.stdout).toContain("waits:\n  (none)\n");
    expect(r.stdout).toContain('  2030-01-01 00:00:06.000 ERROR run failed: [31mstep "fix" failed\n');
    expect(r.stdout).not.toContain("\u001b");
  });

  it("prints the stored run as JSON with --json", async () => {
    const { dir } = await appDatabase();
    const { run: shown } = JSON.parse(governanceIn(dir, ["runs", "show", "run-1", "--json"]).stdout);
    expect(shown).toMatchObject({ id: "run-1", status: "succeeded", workflowName: "Triage", steps: [{ stepId: "open", outputs: { number: 12 } }], waits: [], log: [{ message: "run started" }] });
  });

  it("an unknown run id is one line, exit status 2", async () => {
    const { dir } = await appDatabase();
    const r = governanceIn(dir, ["runs", "show", "run-9"]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe("governance: run-9: no run with this id in the database (governance runs lists them)");
  });

  it("refuses bad usage in one line", async () => {
    const { dir } = await appDatabase();
    const line = (args: string[]) => {
      const r = governanceIn(dir, args);
      expect(r.status).toBe(2);
      return oneLine(r);
    };
    expect(line(["runs", "show"])).toBe('governance: show: needs a run id: governance runs show <run-id> (see "governance runs --help")');
    expect(line(["runs", "list"])).toBe('governance: list: unknown subcommand; expected "show <run-id>" or none (see "governance runs --help")');
    expect(line(["runs", "--status", "stuck"])).toBe('governance: --status: unknown status "stuck"; expected one of pending, running, waiting, succeeded, failed, cancelled (see "governance runs --help")');
    expect(line(["runs", "show", "run-1", "--status", "failed"])).toBe('governance: show: takes no --status, --repo or --limit: it shows one run (see "governance runs --help")');
  });
});

describe("governance runs never changes the database", () => {
  const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

  it("leaves the database file as it was", async () => {
    const { dir, store } = await appDatabase();
    await store.close();
    open = [];
    const file = join(dir, "data", "governance.db");
    const before = sha(file);
    expect(governanceIn(dir, ["runs"]).status).toBe(0);
    expect(governanceIn(dir, ["runs", "show", "run-2"]).status).toBe(0);
    expect(sha(file)).toBe(before);
  });

  it("does not create a database that is not there", () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-runs-none-"));
    const r = governanceIn(dir, ["runs"]);
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(`governance: DATABASE_URL (unset; the default is sqlite:./data/governance.db): no database at ${join(dir, "data", "governance.db")}; is this the DATABASE_URL (and the folder) the app runs with?`);
    expect(existsSync(join(dir, "data"))).toBe(false);
  });

  it("does not migrate a database at an older schema", async () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-runs-old-"));
    const file = join(dir, "old.db");
    const names = Object.keys(migrations);
    const old = await openSqliteStore(file, { migrations: Object.fromEntries(Object.entries(migrations).slice(0, 2)) });
    await old.close();
    const r = governanceIn(dir, ["runs"], { DATABASE_URL: "sqlite:old.db" });
    expect(r.status).toBe(2);
    expect(oneLine(r)).toBe(`governance: DATABASE_URL=sqlite:old.db: the database is at an older schema (2 of ${names.length} migrations); start the app once to migrate it (governance runs never changes the database)`);
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT name FROM kysely_migration ORDER BY name").pluck().all()).toEqual(names.slice(0, 2));
    db.close();
  });

  it("refuses a file that is not the app's database, and sqlite::memory:", () => {
    const dir = mkdtempSync(join(tmpdir(), "governance-runs-other-"));
    writeFileSync(join(dir, "notes.txt"), "hello, not a database at all, but long enough to have a header of sorts.....................................");
    expect(oneLine(governanceIn(dir, ["runs"], { DATABASE_URL: "sqlite:notes.txt" }))).toBe(`governance: DATABASE_URL=sqlite:notes.txt: cannot read ${join(dir, "notes.txt")}: file is not a database (SQLITE_NOTADB)`);
    const empty = new Database(join(dir, "empty.db"));
    empty.exec("CREATE TABLE t (x)");
    empty.close();
    expect(oneLine(governanceIn(dir, ["runs"], { DATABASE_URL: "sqlite:empty.db" }))).toBe("governance: DATABASE_URL=sqlite:empty.db: not the app's database: it has no schema history (no kysely_migration table)");
    expect(oneLine(governanceIn(dir, ["runs"], { DATABASE_URL: "sqlite::memory:" }))).toBe(
      "governance: DATABASE_URL: sqlite::memory: keeps the app's runs in its own memory, where no other process can read them; point DATABASE_URL at the app's database file",
    );
  });
});
