/** The stall watchdog: a thread that kills the process when an event loop stops beating, so its supervisor restarts it; and GOVERNANCE_STALL_SECONDS. */
import { Worker } from "node:worker_threads";

/**
 * The last line of defence against a stalled process: a thread that watches the main event
 * loop's heartbeat and kills the process when the loop has made no progress for `stallMs`.
 * Budgets keep every expression and validation bounded, but one step of a third-party library
 * could still run long; a stuck loop answers no webhook and no `/healthz`, for every tenant.
 * Killed, the process is restarted by its supervisor, every run resumes from the store, and the
 * job that was running has used one of its attempts: a job that keeps stalling the process is
 * given up after its attempts and its run ends failed.
 */
export interface Watchdog {
  stop(): Promise<void>;
}

export interface WatchdogOptions {
  /** How long the event loop may make no progress (default 60 s). */
  stallMs?: number;
  /** How often the main thread beats (default 1 s). */
  beatMs?: number;
  /** The line the watchdog thread writes to stderr before it kills the process. */
  message?: string;
}

const WATCHER = `
import { writeSync } from "node:fs";
import { workerData } from "node:worker_threads";
const beats = new Int32Array(workerData.shared);
let last = Atomics.load(beats, 0);
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(beats, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since > workerData.stallMs) {
    // Straight to the file descriptor: a worker's process.stderr goes through the stuck main thread.
    try { writeSync(2, workerData.message + "\\n"); } catch {}
    process.kill(workerData.pid, "SIGKILL");
  }
}, Math.max(50, Math.min(1000, Math.floor(workerData.stallMs / 4))));
`;

/** Starts the watchdog thread; `stop()` ends it (at shutdown). */
export function startWatchdog(options: WatchdogOptions = {}): Watchdog {
  const stallMs = Math.max(100, options.stallMs ?? 60_000);
  const beatMs = Math.max(10, Math.min(options.beatMs ?? 1_000, Math.floor(stallMs / 4)));
  const shared = new SharedArrayBuffer(4);
  const beats = new Int32Array(shared);
  const message = options.message ?? `governance: the event loop made no progress for ${stallMs} ms; killing the process so that it is restarted`;
  // A data: URL is an ES module whatever the host package's type is.
  const thread = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WATCHER)}`), { workerData: { shared, stallMs, pid: process.pid, message } });
  // A watchdog that fails must not take the app down with it.
  thread.on("error", (err) => process.stderr.write(`governance: the stall watchdog stopped: ${err.message}\n`));
  thread.unref();
  const timer = setInterval(() => Atomics.add(beats, 0, 1), beatMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await thread.terminate();
    },
  };
}

/** `GOVERNANCE_STALL_SECONDS`: 0 turns the watchdog off; unset means 60. */
export function stallMsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.GOVERNANCE_STALL_SECONDS;
  if (raw === undefined || raw.trim() === "") return 60_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`GOVERNANCE_STALL_SECONDS must be a number of seconds (0 turns the watchdog off), not ${JSON.stringify(raw.slice(0, 20))}`);
  return seconds === 0 ? undefined : seconds * 1000;
}
