/**
 * One sandboxed process: spawned directly (never through a shell) as the leader of a process
 * group of its own, in a fresh temporary folder, with exactly the environment it is given;
 * killed with its whole group at its timeout, on abort, and as soon as it exits (so background
 * children it forked die with it); its stdout and stderr capped.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScriptResult } from "../domain/script-port.js";

export interface SandboxedProcess {
  /** The program (argv[0]) and its fixed arguments. */
  command: readonly string[];
  /** Appended to the command as literal argv entries. */
  args: readonly string[];
  /** The whole environment of the process (HOME and TMPDIR are set to its folder on top). */
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** The cap on stdout and on stderr, each, in bytes. */
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** Where the process's temporary folder is made (default: the system's). */
  tmpRoot?: string;
}

/** The process could not be started (no such program, not executable); nothing ran. */
export class ScriptStartError extends Error {
  override readonly name = "ScriptStartError";
}

/** How long, after the process exits and its group is killed, its output pipes may stay open (held by a child that left the group). */
const CLOSE_GRACE_MS = 2_000;

/** Process groups still alive, killed when the app exits so that no script outlives it (a graceful exit; SIGKILL of the app cannot be caught). */
const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is gone already.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of live) killGroup(pid);
  });
}

/** Keeps the first `max` bytes of a stream and counts the rest. */
class CappedOutput {
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #total = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    const room = this.max - this.#kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.#chunks.push(part);
    this.#kept += part.length;
  }

  get cut(): boolean {
    return this.#total > this.#kept;
  }

  text(): string {
    const text = Buffer.concat(this.#chunks).toString("utf8");
    return this.cut ? `${text}\n… [output cut at ${this.max} bytes]` : text;
  }
}

/** Runs one process in its sandbox and waits for it and its group to end; rejects with ScriptStartError when it cannot be started. */
export async function runSandboxed(spec: SandboxedProcess): Promise<ScriptResult> {
  const [program, ...fixed] = spec.command;
  if (!program) throw new ScriptStartError("the script has no command");
  spec.signal?.throwIfAborted();
  const dir = await mkdtemp(join(spec.tmpRoot ?? tmpdir(), "governance-script-"));
  try {
    return await new Promise<ScriptResult>((resolve, reject) => {
      const started = performance.now();
      const stdout = new CappedOutput(spec.maxOutputBytes);
      const stderr = new CappedOutput(spec.maxOutputBytes);
      let timedOut = false;
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let settled = false;
      let grace: NodeJS.Timeout | undefined;

      const child = spawn(program, [...fixed, ...spec.args], {
        shell: false,
        detached: true,
        env: { ...spec.env, HOME: dir, TMPDIR: dir },
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        windowsHide: true,
      });
      const pid = child.pid;
      if (pid !== undefined) {
        installExitHook();
        live.add(pid);
      }

      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(pid);
      }, spec.timeoutMs);
      const onAbort = () => killGroup(pid);
      spec.signal?.addEventListener("abort", onAbort, { once: true });

      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(grace);
        spec.signal?.removeEventListener("abort", onAbort);
        killGroup(pid);
        if (pid !== undefined) live.delete(pid);
        if (error) return reject(error);
        resolve({
          exitCode: exit?.code ?? null,
          signal: exit?.signal ?? null,
          stdout: stdout.text(),
          stderr: stderr.text(),
          truncated: stdout.cut || stderr.cut,
          timedOut,
          durationMs: Math.round(performance.now() - started),
        });
      };

      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("error", (err: NodeJS.ErrnoException) => {
        // Spawning failed (ENOENT, EACCES): nothing ran. An error after the exit (a failed kill) changes nothing.
        if (exit) return;
        finish(new ScriptStartError(`cannot start ${program}: ${err.code ?? err.message}`, { cause: err }));
      });
      child.on("exit", (code, signal) => {
        exit = { code, signal };
        // Whatever the script left behind in its group (`sleep 30 &`) dies with it.
        killGroup(pid);
        // A child that left the group (setsid) may hold the pipes open: stop waiting for them.
        grace = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, CLOSE_GRACE_MS);
      });
      child.on("close", () => {
        if (exit) finish();
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  }
}
