/**
 * The ScriptRunner of the app: the operator's `scripts`, each run sandboxed (sandboxed-process.ts)
 * with a clean environment, at most `maxConcurrent` at once.
 */
import type { ScriptConfig, ScriptsConfig } from "../config/operator-config.js";
import type { ScriptResult, ScriptRunner, ScriptRunOptions } from "../domain/script-port.js";
import { runSandboxed } from "./sandboxed-process.js";
import { Semaphore } from "./semaphore.js";

/** A script's PATH unless the operator lists PATH among its `env`. */
export const DEFAULT_SCRIPT_PATH = "/usr/local/bin:/usr/bin:/bin";

export interface SandboxOptions {
  /** Where listed variables are copied from (default: the app's process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where each script's temporary folder is made (default: the system's). */
  tmpRoot?: string;
}

/** Runs the operator's scripts by name; a workflow never supplies a command. */
export class SandboxScriptRunner implements ScriptRunner {
  readonly #scripts: ScriptsConfig;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #tmpRoot: string | undefined;
  readonly #slots: Semaphore;

  constructor(scripts: ScriptsConfig, options: SandboxOptions = {}) {
    this.#scripts = scripts;
    this.#env = options.env ?? process.env;
    this.#tmpRoot = options.tmpRoot;
    this.#slots = new Semaphore(scripts.maxConcurrent);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.#scripts.commands, name);
  }

  names(): string[] {
    return Object.keys(this.#scripts.commands);
  }

  idempotent(name: string): boolean {
    return this.#script(name)?.idempotent === true;
  }

  async run(name: string, args: readonly string[], options: ScriptRunOptions = {}): Promise<ScriptResult> {
    const script = this.#script(name);
    if (!script) throw new Error(`script "${name}" is not configured`);
    // The step may shorten the operator's limit, never lengthen it.
    const asked = options.timeoutMs;
    const timeoutMs = asked !== undefined && asked > 0 ? Math.min(asked, script.timeoutMs) : script.timeoutMs;
    const release = await this.#slots.acquire(options.signal);
    try {
      return await runSandboxed({
        command: script.command,
        args,
        env: childEnvironment(script, this.#env),
        timeoutMs,
        maxOutputBytes: script.maxOutputBytes,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(this.#tmpRoot ? { tmpRoot: this.#tmpRoot } : {}),
      });
    } finally {
      release();
    }
  }

  #script(name: string): ScriptConfig | undefined {
    return Object.hasOwn(this.#scripts.commands, name) ? this.#scripts.commands[name] : undefined;
  }
}

/**
 * The whole environment a script gets: PATH (the fixed default, or the app's when the operator
 * lists PATH) and the variables the operator lists, copied from the app's environment when set.
 * Nothing else: no app secret, no token. HOME and TMPDIR are added by the sandbox.
 */
export function childEnvironment(script: ScriptConfig, from: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_SCRIPT_PATH };
  for (const name of script.env) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
