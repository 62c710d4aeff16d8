import { spawnSync } from "node:child_process";
import { ROOT } from "./fixtures.js";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `governance` binary (bin/governance.js) as a child process. */
export function governance(args: string[], cwd: string = ROOT): CliResult {
  const r = spawnSync(process.execPath, [`${ROOT}bin/governance.js`, ...args], { cwd, encoding: "utf8", timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
