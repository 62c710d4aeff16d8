import { spawnSync } from "node:child_process";
import type { CliResult } from "../helpers/cli.js";
import { ROOT } from "../helpers/fixtures.js";

/** Variables the CLI reads: left out of the child's environment unless a test sets them. */
const READ_BY_THE_CLI = ["GOVERNANCE_CONFIG", "DATABASE_URL", "GOVERNANCE_CONCURRENCY", "GOVERNANCE_PACING"];

/** Runs the real `governance` binary in `cwd` with exactly the CLI's variables that `env` gives. */
export function governanceIn(cwd: string, args: string[], env: Record<string, string> = {}): CliResult {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of READ_BY_THE_CLI) delete base[name];
  const r = spawnSync(process.execPath, [`${ROOT}bin/governance.js`, ...args], { cwd, env: { ...base, ...env }, encoding: "utf8", timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The one line a user error prints: nothing else on stderr, and no stack. */
export function oneLine(r: CliResult): string {
  const lines = r.stderr.split("\n");
  if (lines.length !== 2 || lines[1] !== "") throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  return lines[0]!;
}
