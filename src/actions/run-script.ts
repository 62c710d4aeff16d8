/**
 * The `runScript` action: runs a script the operator allow-listed, by name, with the workflow's
 * arguments appended as literal argv, through the ScriptRunner port (the sandbox is its adapter's).
 * At most once per step try: a script cannot be looked up afterwards, so its run is claimed in
 * the store first, and a replay that finds the claim without an outcome does not run it again.
 */
import type { ScriptResult } from "../domain/script-port.js";
import { didYouMean } from "../domain/suggest.js";
import { parseDuration } from "../workflows/durations.js";
import { recordEffect } from "./once.js";
import { ActionError, type ActionContext, type ActionHandler } from "./types.js";

interface RunScriptParameters {
  script: string;
  args?: unknown[];
  timeout?: string;
}

/** What a step keeps of a stream in its log line and error message; the outputs keep it all (up to the operator's cap). */
const SHOWN_CHARS = 1_000;

/**
 * `runScript`: the operator's script `script`, with `args` as literal argv entries (never through
 * a shell). Its exit code, stdout and stderr become the step's outputs; a non-zero exit, a
 * signal or the timeout fails the step (a retry policy may try it again).
 */
export const runScript: ActionHandler = async (ctx) => {
  const p = ctx.parameters as unknown as RunScriptParameters;
  const name = p.script;
  const scripts = ctx.scripts;
  if (!scripts?.has(name)) {
    throw new ActionError(
      `script "${name}" is not configured${didYouMean(name, scripts?.names() ?? [])}; add scripts["${name}"].command to the operator configuration file named by GOVERNANCE_CONFIG`,
    );
  }
  const args = (p.args ?? []).map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
  const timeoutMs = p.timeout === undefined ? undefined : parseDuration(p.timeout);

  // One claim per try of the step: a retry after a failed try runs the script again, a replay of
  // the same try (after a crash) never does.
  const key = `runScript:${ctx.idempotencyKey}:${tryOf(ctx)}`;
  const { record, claimed } = await ctx.store.claimEffect(key, "runScript", ctx.clock.now());
  if (record.status === "done") {
    const done = record.result as (ScriptResult & { failed?: string; retriable?: boolean }) | undefined;
    if (done?.failed) throw new ActionError(done.failed, done.retriable === true);
    ctx.log("info", `script ${name} already ran for this step (exit code ${String(done?.exitCode)})`, { script: name, exitCode: done?.exitCode });
    return outputsOf(done as ScriptResult);
  }
  if (!claimed) {
    // Claimed by an attempt that never recorded its outcome: it was cut off (a crash, a restart)
    // while the script was starting, running or just done. Whether it ran cannot be known.
    if (!scripts.idempotent(name)) {
      throw new ActionError(
        `script "${name}" may have run and was interrupted before its outcome was recorded; it is not run again because the operator did not mark it idempotent (scripts["${name}"].idempotent: true). Check what it did, then start a new run`,
      );
    }
    ctx.log("warn", `an interrupted attempt may already have run script ${name}; running it again (the operator marked it idempotent)`, { script: name });
  }

  const save = (result: Record<string, unknown>) => recordEffect(ctx, { key, kind: "runScript", result });
  let result: ScriptResult;
  try {
    result = await scripts.run(name, args, { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (err) {
    const failed = `script "${name}" could not be run: ${err instanceof Error ? err.message : String(err)}`;
    await save({ failed, retriable: false });
    throw new ActionError(failed, false, { cause: err });
  }
  const meta = { script: name, exitCode: result.exitCode, durationMs: result.durationMs, truncated: result.truncated, ...shown("stdout", result.stdout), ...shown("stderr", result.stderr) };
  const problem = failureOf(name, result);
  if (problem) {
    // Recorded with the run's next commit, so a replay of this try fails the same way without running it.
    await save({ ...result, failed: problem, retriable: true });
    ctx.log("error", `script ${name} ${describeEnd(result)} in ${result.durationMs} ms`, { ...meta, ...(result.signal ? { signal: result.signal } : {}) });
    throw new ActionError(problem, true);
  }
  await save({ ...result });
  ctx.log("info", `script ${name} exited with code 0 in ${result.durationMs} ms`, meta);
  return outputsOf(result);
};

/** The step's outputs, in the order the README lists them. */
function outputsOf(result: ScriptResult): Record<string, unknown> {
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    truncated: result.truncated,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** The step's failure message, or undefined when the script exited 0. */
function failureOf(name: string, result: ScriptResult): string | undefined {
  if (result.exitCode === 0 && !result.timedOut) return undefined;
  const tail = lastChars(result.stderr.trim(), SHOWN_CHARS);
  return `script "${name}" ${describeEnd(result)}${tail ? `; stderr: ${tail}` : ""}`;
}

function describeEnd(result: ScriptResult): string {
  if (result.timedOut) return `timed out after ${result.durationMs} ms and was killed with its process group`;
  if (result.exitCode === null) return `was killed by ${result.signal ?? "a signal"}`;
  return `exited with code ${result.exitCode}`;
}

function shown(stream: "stdout" | "stderr", text: string): Record<string, string> {
  return text === "" ? {} : { [stream]: lastChars(text, SHOWN_CHARS) };
}

function lastChars(text: string, n: number): string {
  return text.length <= n ? text : `…${text.slice(-n)}`;
}

/** Which try of its step this is (a retry of a failed try is the next one): its record's `tries`. */
function tryOf(ctx: ActionContext): number {
  const own = ctx.run.steps.find((s) => s.stepId === ctx.step.id && `${ctx.run.id}:${s.stepId}:${s.attempt}` === ctx.idempotencyKey);
  return own?.tries ?? 1;
}
