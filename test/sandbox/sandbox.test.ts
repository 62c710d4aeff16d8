import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScriptConfig, ScriptsConfig } from "../../src/config/operator-config.js";
import { runSandboxed, ScriptStartError } from "../../src/sandbox/sandboxed-process.js";
import { childEnvironment, DEFAULT_SCRIPT_PATH, SandboxScriptRunner } from "../../src/sandbox/script-runner.js";
import { Semaphore } from "../../src/sandbox/semaphore.js";

/** The operator's scripts for these tests: shell scripts are fine as what the operator runs; the app never builds one. */
let dir: string;
const script = (name: string, body: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
};
const config = (scripts: Record<string, Partial<ScriptConfig> & { command: string[] }>, maxConcurrent = 2): ScriptsConfig => ({
  maxConcurrent,
  commands: Object.fromEntries(Object.entries(scripts).map(([name, s]) => [name, { timeoutMs: 5_000, maxOutputBytes: 64 * 1024, env: [], idempotent: false, ...s }])),
});

/** Whether a process is still there: a zombie (killed, not yet reaped by whoever adopted it) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Waits up to `ms` for a process to be gone (the kernel delivers SIGKILL at once, but the test is not the one who reaps it). */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sandbox-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the script sandbox", () => {
  it("passes args as literal argv: ;, $(), backticks, newlines and quotes reach the script as text and run nothing", async () => {
    const marker = join(dir, "pwned");
    const echo = script("argv", `for a in "$@"; do printf '%s\\0' "$a"; done`);
    const runner = new SandboxScriptRunner(config({ argv: { command: [echo, "fixed"] } }));
    const args = [`; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `a\ntouch ${marker}`, `' && touch ${marker} '`, `| touch ${marker}`, "*", "$HOME"];
    const result = await runner.run("argv", args);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(["fixed", ...args]);
    expect(existsSync(marker)).toBe(false);
  });

  it("gives the script a clean environment: PATH, HOME and TMPDIR and the listed variables only, never the app's secrets", async () => {
    process.env.GOVERNANCE_TEST_CANARY = "canary-secret-7f3a";
    process.env.GOVERNANCE_TEST_LISTED = "listed-value";
    try {
      const runner = new SandboxScriptRunner(config({ env: { command: ["/usr/bin/env"], env: ["GOVERNANCE_TEST_LISTED", "GOVERNANCE_TEST_UNSET"] } }));
      const result = await runner.run("env", []);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).not.toContain("canary-secret-7f3a");
      const vars = Object.fromEntries(result.stdout.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
      expect(Object.keys(vars).sort()).toEqual(["GOVERNANCE_TEST_LISTED", "HOME", "PATH", "TMPDIR"]);
      expect(vars.PATH).toBe(DEFAULT_SCRIPT_PATH);
      expect(vars.GOVERNANCE_TEST_LISTED).toBe("listed-value");
      expect(vars.HOME).toBe(vars.TMPDIR);
      expect(vars.HOME).toMatch(/governance-script-/);
    } finally {
      delete process.env.GOVERNANCE_TEST_CANARY;
      delete process.env.GOVERNANCE_TEST_LISTED;
    }
  });

  it("copies PATH from the app only when the operator lists it", () => {
    const base = { command: ["/bin/true"], timeoutMs: 1, maxOutputBytes: 1, idempotent: false };
    expect(childEnvironment({ ...base, env: [] }, { PATH: "/app/bin", TOKEN: "x" })).toEqual({ PATH: DEFAULT_SCRIPT_PATH });
    expect(childEnvironment({ ...base, env: ["PATH"] }, { PATH: "/app/bin", TOKEN: "x" })).toEqual({ PATH: "/app/bin" });
  });

  it("runs in a temporary folder of its own, removed afterwards", async () => {
    const runner = new SandboxScriptRunner(config({ pwd: { command: [script("pwd", 'pwd; touch left-behind; echo "$HOME"')] } }));
    const result = await runner.run("pwd", []);
    const [cwd, home] = result.stdout.trim().split("\n");
    expect(cwd).toBe(home);
    expect(cwd).not.toBe(process.cwd());
    expect(existsSync(cwd!)).toBe(false);
  });

  it("kills a script past its timeout together with its children", async () => {
    const slow = script("slow", "sleep 30 &\necho $!\nsleep 30");
    const runner = new SandboxScriptRunner(config({ slow: { command: [slow], timeoutMs: 300 } }));
    const started = Date.now();
    const result = await runner.run("slow", []);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(result).toMatchObject({ exitCode: null, signal: "SIGKILL", timedOut: true });
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(await goneWithin(grandchild, 1_000)).toBe(true);
  });

  it("lets the step shorten the operator's timeout, never lengthen it", async () => {
    const sleeper = script("sleeper", "sleep 5");
    const runner = new SandboxScriptRunner(config({ short: { command: [sleeper], timeoutMs: 300 }, long: { command: [sleeper], timeoutMs: 5_000 } }));
    const longer = Date.now();
    expect((await runner.run("short", [], { timeoutMs: 60_000 })).timedOut).toBe(true);
    expect(Date.now() - longer).toBeLessThan(2_500);
    const shorter = Date.now();
    expect((await runner.run("long", [], { timeoutMs: 200 })).timedOut).toBe(true);
    expect(Date.now() - shorter).toBeLessThan(2_500);
  });

  it("leaves nothing running when a script forks a background child and exits 0", async () => {
    const forks = script("forks", "sleep 30 &\necho $!\nexit 0");
    const runner = new SandboxScriptRunner(config({ forks: { command: [forks] } }));
    const started = Date.now();
    const result = await runner.run("forks", []);
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false });
    // The background child held stdout open; killing the group at the exit closed it at once.
    expect(Date.now() - started).toBeLessThan(1_500);
    const grandchild = Number(result.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(await goneWithin(grandchild, 1_000)).toBe(true);
  });

  it("cuts a flood of output at the cap, with a marker, and keeps the exit code", async () => {
    const flood = script("flood", "head -c 300000 /dev/zero | tr '\\0' x\nhead -c 300000 /dev/zero | tr '\\0' y >&2\nexit 3");
    const runner = new SandboxScriptRunner(config({ flood: { command: [flood], maxOutputBytes: 1024 } }));
    const result = await runner.run("flood", []);
    expect(result.exitCode).toBe(3);
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe(`${"x".repeat(1024)}\n… [output cut at 1024 bytes]`);
    expect(result.stderr).toBe(`${"y".repeat(1024)}\n… [output cut at 1024 bytes]`);
  });

  it("says nothing was cut when the output fits", async () => {
    const runner = new SandboxScriptRunner(config({ small: { command: [script("small", "echo hello; echo oops >&2; exit 0")] } }));
    expect(await runner.run("small", [])).toMatchObject({ exitCode: 0, stdout: "hello\n", stderr: "oops\n", truncated: false });
  });

  it("refuses a script it cannot start, and a name the operator does not list", async () => {
    await expect(runSandboxed({ command: [join(dir, "missing")], args: [], env: {}, timeoutMs: 1_000, maxOutputBytes: 1024 })).rejects.toThrow(ScriptStartError);
    await expect(runSandboxed({ command: [join(dir, "missing")], args: [], env: {}, timeoutMs: 1_000, maxOutputBytes: 1024 })).rejects.toThrow(/ENOENT/);
    const runner = new SandboxScriptRunner(config({}));
    expect(runner.has("rotate-key")).toBe(false);
    expect(runner.has("toString")).toBe(false);
    await expect(runner.run("rotate-key", [])).rejects.toThrow('script "rotate-key" is not configured');
  });

  it("kills the script when its caller aborts", async () => {
    const runner = new SandboxScriptRunner(config({ slow: { command: [script("slow2", "sleep 30")] } }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const result = await runner.run("slow", [], { signal: controller.signal });
    expect(result.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("runs at most maxConcurrent scripts at once", async () => {
    const log = join(dir, "concurrency.log");
    const busy = script("busy", `echo start >> ${log}; sleep 0.3; echo end >> ${log}`);
    const runner = new SandboxScriptRunner(config({ busy: { command: [busy] } }, 2));
    await Promise.all([1, 2, 3, 4].map(() => runner.run("busy", [])));
    let running = 0;
    let most = 0;
    for (const line of readFileSync(log, "utf8").trim().split("\n")) {
      running += line === "start" ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
  });
});

describe("Semaphore", () => {
  it("hands slots out in order, and a waiter that gives up leaves the line", async () => {
    const slots = new Semaphore(1);
    const first = await slots.acquire();
    const order: string[] = [];
    const controller = new AbortController();
    const quitter = slots.acquire(controller.signal).then(
      () => order.push("quitter"),
      () => order.push("quitter gave up"),
    );
    const second = slots.acquire().then((release) => (order.push("second"), release));
    controller.abort();
    await quitter;
    expect(slots.waiting).toBe(1);
    first();
    first(); // a second release frees nothing more
    (await second)();
    expect(order).toEqual(["quitter gave up", "second"]);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
