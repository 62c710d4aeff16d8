/**
 * The operator's configuration: what the app needs from whoever runs it and repositories must
 * never hold, such as webhook URLs. One YAML file, named by GOVERNANCE_CONFIG, read once at
 * start-up in stages (read → parse → schema → URL checks), each failing with a positioned error.
 */
import type { Severity } from "../domain/workflow.js";
import { readFileSync, statSync } from "node:fs";
import { inspect } from "node:util";
import type { Diagnostic } from "../domain/diagnostic.js";
import { parseSource } from "../workflows/source.js";
import { parseDuration } from "../workflows/durations.js";
import { scrubMessage } from "./redact.js";
import { parseSize, validateOperatorConfig } from "./validate-operator-config.js";
import type { ApiConfig, RawApi } from "./api-tokens.js";
import { buildApi } from "./api-tokens.js";

export type { ApiConfig, ApiTokenConfig, ApiTokenRole } from "./api-tokens.js";

/** The environment variable that names the configuration file. */
export const GOVERNANCE_CONFIG_ENV = "GOVERNANCE_CONFIG";
/** The largest configuration file read, in bytes. */
export const MAX_CONFIG_BYTES = 256 * 1024;

export interface NotifyChannelConfig {
  /** A Slack-compatible incoming webhook URL: a secret. */
  readonly webhookUrl: string;
  /** The operator allows a private, link-local or metadata host for this channel. */
  readonly allowPrivateAddress?: boolean;
}

/** One script the operator allow-lists for the runScript action. */
export interface ScriptConfig {
  /** The program (an absolute path) and its fixed leading arguments; a workflow's `args` are appended. */
  readonly command: readonly string[];
  /** The longest the script may run; a step may shorten it, never lengthen it. */
  readonly timeoutMs: number;
  /** The cap on stdout and on stderr, each, in bytes. */
  readonly maxOutputBytes: number;
  /** Names of variables copied from the app's environment into the script's (nothing else is). */
  readonly env: readonly string[];
  /** Safe to run again when an attempt was interrupted before its outcome was recorded. */
  readonly idempotent: boolean;
}

/** The runScript action's scripts, by name, and how many run at once. */
export interface ScriptsConfig {
  readonly maxConcurrent: number;
  readonly commands: Readonly<Record<string, ScriptConfig>>;
}

/** What a script's settings are when the operator leaves them out, and their bounds. */
export const SCRIPT_DEFAULTS = { timeoutMs: 60_000, maxTimeoutMs: 3_600_000, maxOutputBytes: 64 * 1024, maxMaxOutputBytes: 1024 * 1024, maxConcurrent: 2 } as const;

export interface OperatorConfig {
  /** assignTask's defaults: how long a task has, in milliseconds, by its finding's severity. */
  readonly tasks?: { readonly dueMsBySeverity: Readonly<Partial<Record<Severity, number>>> };
  /** The scripts runScript may run; absent when the file has no `scripts` section. */
  readonly scripts?: ScriptsConfig;
  /** The REST API's operator tokens; absent when the file has no `api` section. */
  readonly api?: ApiConfig;
  readonly notify: {
    /** By channel name, such as `#sec-team`. */
    readonly channels: Readonly<Record<string, NotifyChannelConfig>>;
  };
  readonly engine: {
    /** Jobs run at once. */
    readonly concurrency: number;
  };
  readonly github: {
    /** Content-creating requests per installation and minute; 0: no limit. */
    readonly contentCreatesPerMinute: number;
    /** Content-creating requests per installation and hour; 0: no limit. */
    readonly contentCreatesPerHour: number;
  };
}

/** What an operator configuration says when it says nothing: GitHub.com's secondary limits. */
export const ENGINE_DEFAULTS = { concurrency: 32, contentCreatesPerMinute: 80, contentCreatesPerHour: 500 } as const;

export interface ConfigProblem {
  /** 1-based position in the file, when the problem has one. */
  line?: number;
  col?: number;
  message: string;
}

/** The configuration cannot be used; the message names the file, line and column of each problem. */
export class OperatorConfigError extends Error {
  override readonly name = "OperatorConfigError";

  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((p) => (p.line === undefined ? `${file}: ${p.message}` : `${file}:${p.line}:${p.col ?? 1}: ${p.message}`)).join("\n"));
  }
}

/** The configuration of an app run without a GOVERNANCE_CONFIG file: no channels. */
export function emptyOperatorConfig(): OperatorConfig {
  return build({});
}

/** Loads the file named by GOVERNANCE_CONFIG (absent or empty: the empty configuration); throws OperatorConfigError. */
export function loadOperatorConfig(env: Readonly<Record<string, string | undefined>> = process.env): OperatorConfig {
  const file = env[GOVERNANCE_CONFIG_ENV];
  const config = file === undefined || file.trim() === "" ? emptyOperatorConfig() : parseOperatorConfig(readConfigText(file), file);
  return withEnvironment(config, env);
}

/**
 * The environment's overrides: GOVERNANCE_CONCURRENCY (a whole number of jobs at once) and
 * GOVERNANCE_PACING=off (no pacing of content-creating requests, e.g. for a benchmark against a
 * stand-in, or a GitHub Enterprise Server without secondary limits).
 */
export function withEnvironment(config: OperatorConfig, env: Readonly<Record<string, string | undefined>>): OperatorConfig {
  let { engine, github } = config;
  const concurrency = env.GOVERNANCE_CONCURRENCY?.trim();
  if (concurrency) {
    if (!/^\d+$/.test(concurrency) || Number(concurrency) < 1 || Number(concurrency) > 1024) {
      throw new OperatorConfigError("GOVERNANCE_CONCURRENCY", [{ message: `must be a whole number from 1 to 1024, not "${concurrency.slice(0, 20)}"` }]);
    }
    engine = Object.freeze({ ...engine, concurrency: Number(concurrency) });
  }
  const pacing = env.GOVERNANCE_PACING?.trim().toLowerCase();
  if (pacing) {
    if (pacing !== "off" && pacing !== "on") throw new OperatorConfigError("GOVERNANCE_PACING", [{ message: `must be "on" or "off", not "${pacing.slice(0, 20)}"` }]);
    if (pacing === "off") github = Object.freeze({ contentCreatesPerMinute: 0, contentCreatesPerHour: 0 });
  }
  return Object.freeze({ ...config, engine, github });
}

/** Parses and validates configuration text; `file` names it in error messages. */
export function parseOperatorConfig(text: string, file = "operator configuration"): OperatorConfig {
  const parsed = parseSource(text, "yaml");
  if (!parsed.ok) throw new OperatorConfigError(file, parsed.diagnostics.map(toProblem));
  // A file of only comments is a valid way to say "nothing configured yet".
  if (parsed.value === null || parsed.value === undefined) return emptyOperatorConfig();
  const diagnostics = validateOperatorConfig(parsed.value, parsed.map);
  if (diagnostics.length > 0) throw new OperatorConfigError(file, diagnostics.map(toProblem));
  return build(parsed.value as RawConfig);
}

function readConfigText(file: string): string {
  const fail = (message: string) => new OperatorConfigError(file, [{ message }]);
  let bytes: Buffer;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw fail(`is a folder; ${GOVERNANCE_CONFIG_ENV} must name the operator configuration file`);
    if (stat.size > MAX_CONFIG_BYTES) throw fail(`the file is too large (${Math.ceil(stat.size / 1024)} KiB; at most ${MAX_CONFIG_BYTES / 1024} KiB)`);
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof OperatorConfigError) throw err;
    // Only the error code: the system's message adds nothing the file name does not say.
    const code = (err as NodeJS.ErrnoException).code ?? "unknown error";
    throw fail(
      code === "ENOENT"
        ? `the operator configuration file named by ${GOVERNANCE_CONFIG_ENV} does not exist; create it, or unset ${GOVERNANCE_CONFIG_ENV} to run without one`
        : `the operator configuration file named by ${GOVERNANCE_CONFIG_ENV} cannot be read (${code})`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw fail("the file is not valid UTF-8 text");
  }
}

/** The shared parser speaks of workflow files; this file is not one. */
const REWORDED: Array<[RegExp, string]> = [
  [/ in workflow files/g, " in the operator configuration"],
  [/a workflow file holds one YAML document/g, "the operator configuration holds one YAML document"],
];

function toProblem(d: Diagnostic): ConfigProblem {
  const message = REWORDED.reduce((m, [from, to]) => m.replace(from, to), d.message);
  return { line: d.line, col: d.col, message: scrubMessage(message) };
}

interface RawConfig {
  notify?: { channels?: Record<string, { webhookUrl: string; allowPrivateAddress?: boolean }> };
  engine?: { concurrency?: number };
  github?: { contentCreatesPerMinute?: number; contentCreatesPerHour?: number };
  scripts?: RawScripts;
  tasks?: { due?: Partial<Record<Severity, string>> };
  api?: RawApi;
}

type RawScripts = { maxConcurrent?: number } & Record<string, { command: string[]; timeout?: string; maxOutput?: string; env?: string[]; idempotent?: boolean } | number | undefined>;

function buildScripts(raw: RawScripts): ScriptsConfig {
  const commands = Object.entries(raw)
    .filter(([name, s]) => name !== "maxConcurrent" && typeof s === "object")
    .map(([name, s]) => {
      const script = s as Exclude<RawScripts[string], number | undefined>;
      return [
        name,
        Object.freeze({
          command: Object.freeze([...script.command]),
          timeoutMs: script.timeout === undefined ? SCRIPT_DEFAULTS.timeoutMs : parseDuration(script.timeout)!,
          maxOutputBytes: script.maxOutput === undefined ? SCRIPT_DEFAULTS.maxOutputBytes : parseSize(script.maxOutput)!,
          env: Object.freeze([...new Set(script.env ?? [])]),
          idempotent: script.idempotent === true,
        }),
      ] as const;
    });
  return Object.freeze({ maxConcurrent: raw.maxConcurrent ?? SCRIPT_DEFAULTS.maxConcurrent, commands: Object.freeze(Object.fromEntries(commands)) });
}

function build(raw: RawConfig): OperatorConfig {
  const channels = Object.entries(raw.notify?.channels ?? {}).map(([name, c]) => [name, new ConfiguredChannel(c.webhookUrl, c.allowPrivateAddress === true)] as const);
  const due = Object.entries(raw.tasks?.due ?? {}).map(([severity, text]) => [severity, parseDuration(text!)!] as const);
  return Object.freeze({
    ...(due.length > 0 ? { tasks: Object.freeze({ dueMsBySeverity: Object.freeze(Object.fromEntries(due)) }) } : {}),
    ...(raw.scripts ? { scripts: buildScripts(raw.scripts) } : {}),
    ...(raw.api ? { api: buildApi(raw.api) } : {}),
    notify: Object.freeze({ channels: Object.freeze(Object.fromEntries(channels)) }),
    engine: Object.freeze({ concurrency: raw.engine?.concurrency ?? ENGINE_DEFAULTS.concurrency }),
    github: Object.freeze({
      contentCreatesPerMinute: raw.github?.contentCreatesPerMinute ?? ENGINE_DEFAULTS.contentCreatesPerMinute,
      contentCreatesPerHour: raw.github?.contentCreatesPerHour ?? ENGINE_DEFAULTS.contentCreatesPerHour,
    }),
  });
}

/**
 * A channel whose URL stays out of logs: it lives in a private field, so JSON.stringify (and
 * pino with it) and util.inspect show `[redacted]`, while `webhookUrl` still reads it.
 */
class ConfiguredChannel implements NotifyChannelConfig {
  readonly #webhookUrl: string;
  readonly allowPrivateAddress: boolean;

  constructor(webhookUrl: string, allowPrivateAddress: boolean) {
    this.#webhookUrl = webhookUrl;
    this.allowPrivateAddress = allowPrivateAddress;
  }

  get webhookUrl(): string {
    return this.#webhookUrl;
  }

  toJSON(): Record<string, unknown> {
    return { webhookUrl: "[redacted]", allowPrivateAddress: this.allowPrivateAddress };
  }

  [inspect.custom](): string {
    return "{ webhookUrl: [redacted] }";
  }
}
