// `governance worker`'s command line: its help, and the settings it refuses before it starts (the worker at work is test/e2e/workers.test.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "governance-worker-"));
const worker = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [`${ROOT}bin/governance.js`, "worker", ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 15_000 });

describe("governance worker", () => {
  it("prints its help and exits 0", () => {
    const r = worker(["--help"], {});
    expect(r.stdout).toMatch(/^Usage: governance worker\n/);
    expect(r.status).toBe(0);
  });

  it("refuses an argument, a database in its own memory and a bad setting, each in one line, exit 2", () => {
    const cases: [string[], Record<string, string>, string][] = [
      [["--now"], {}, 'governance: worker: unexpected argument "--now" (see "governance worker --help")\n'],
      [[], { DATABASE_URL: "sqlite::memory:" }, "governance: worker: cannot start: DATABASE_URL=sqlite::memory: is this process's own memory: a worker needs the database the app uses\n"],
      [[], { DATABASE_URL: `sqlite:${join(dir, "w.db")}`, GOVERNANCE_ENGINE: "sometimes" }, 'governance: worker: cannot start: GOVERNANCE_ENGINE must be on or off, not "sometimes"\n'],
      [[], { DATABASE_URL: `sqlite:${join(dir, "w.db")}`, GOVERNANCE_METRICS_PORT: "nine" }, 'governance: worker: cannot start: GOVERNANCE_METRICS_PORT must be a TCP port (1 to 65535), not "nine"\n'],
    ];
    for (const [args, env, stderr] of cases) {
      const r = worker(args, env);
      expect(r.stderr).toBe(stderr);
      expect(r.status).toBe(2);
    }
  });

  it("is listed by governance --help", () => {
    const r = spawnSync(process.execPath, [`${ROOT}bin/governance.js`, "--help"], { encoding: "utf8" });
    expect(r.stdout).toContain("  worker               execute runs over the app's database, without serving webhooks\n");
  });
});
