import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stallMsFromEnv } from "../../src/watchdog.js";

const DIST = fileURLToPath(new URL("../../dist/watchdog.js", import.meta.url));

/** Runs a child process with the built watchdog and the given main-thread script. */
function child(script: string): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const source = `import { startWatchdog } from ${JSON.stringify(DIST)};\n${script}`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", source], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += String(d)));
  return new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, stderr })));
}

describe("the stall watchdog (issue 7: a job that stalls its worker)", () => {
  it("kills a process whose event loop is stuck, saying why", async () => {
    // A stuck loop, bounded so the test ends even if the watchdog failed: 20 s of spinning.
    const result = await child(`startWatchdog({ stallMs: 300 });\nsetTimeout(() => { const end = Date.now() + 20000; while (Date.now() < end); process.exit(0); }, 50);`);
    expect(result.signal).toBe("SIGKILL");
    expect(result.stderr).toMatch(/the event loop made no progress for 300 ms; killing the process/);
  });

  it("leaves a busy but responsive process alone", async () => {
    const result = await child(`const w = startWatchdog({ stallMs: 300 });\nlet n = 0;\nconst t = setInterval(() => { const end = Date.now() + 50; while (Date.now() < end); if (++n === 20) { clearInterval(t); w.stop().then(() => process.exit(0)); } }, 10);`);
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
  });

  it("reads GOVERNANCE_STALL_SECONDS: 60 s by default, 0 for off, a clear error otherwise", () => {
    expect(stallMsFromEnv({})).toBe(60_000);
    expect(stallMsFromEnv({ GOVERNANCE_STALL_SECONDS: "5" })).toBe(5_000);
    expect(stallMsFromEnv({ GOVERNANCE_STALL_SECONDS: "0" })).toBeUndefined();
    expect(() => stallMsFromEnv({ GOVERNANCE_STALL_SECONDS: "soon" })).toThrow(/GOVERNANCE_STALL_SECONDS must be a number of seconds/);
  });
});
