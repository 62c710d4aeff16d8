/**
 * The port to the operator's allow-listed scripts: the `runScript` action names a script and
 * passes arguments; what runs, in which sandbox and for how long is the operator's and the
 * adapter's (`sandbox/`), never the workflow's.
 */

/** How one run of a script is bounded by its caller. */
export interface ScriptRunOptions {
  /** The step's own limit; it may shorten the operator's timeout, never lengthen it. */
  timeoutMs?: number;
  /** Aborting it kills the script (and its process group). */
  signal?: AbortSignal;
}

/** What a script did. Output is capped by the operator's `maxOutput`; a cut stream ends with a marker. */
export interface ScriptResult {
  /** The exit code; null when a signal ended the script. */
  exitCode: number | null;
  /** The signal that ended the script (a timeout kills with SIGKILL), else null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** stdout or stderr was cut at the cap. */
  truncated: boolean;
  /** The script ran past its timeout and was killed with its process group. */
  timedOut: boolean;
  durationMs: number;
}

/** Runs the scripts the operator lists, by name, each in a sandbox of its own. */
export interface ScriptRunner {
  /** Whether the operator lists this script. */
  has(name: string): boolean;
  /** The scripts the operator lists (for "did you mean"). */
  names(): string[];
  /** The operator marked this script safe to run again after an interrupted attempt. */
  idempotent(name: string): boolean;
  /** Runs the script with `args` appended to its command as literal argv; rejects only when it cannot be started. */
  run(name: string, args: readonly string[], options?: ScriptRunOptions): Promise<ScriptResult>;
}
