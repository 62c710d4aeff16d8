import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Vitest global setup: compile src/ once so tests that run the real `governance` binary see current code. */
export default function setup(): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", `${root}tsconfig.build.json`], { cwd: root, stdio: "inherit" });
}
