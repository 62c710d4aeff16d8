/**
 * Validates a parsed operator configuration against schema/operator-config.schema.json, then
 * checks each channel's webhook URL, returning positioned diagnostics. Messages are built from
 * the schema, never from ajv's text or the value, so no webhook URL can leak into one.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Diagnostic } from "../domain/diagnostic.js";
import { fromPointer, toPointer } from "../domain/paths.js";
import type { SourceMap } from "../workflows/source.js";
import { closest, didYouMean } from "../domain/suggest.js";
import { MAX_DURATION_MS, parseDuration } from "../workflows/durations.js";
import { safeDisplayPath, showKey } from "./redact.js";
import { webhookUrlProblem } from "./webhook-url.js";
import type { RawApi } from "./api-tokens.js";
import { apiTokenProblems } from "./api-tokens.js";

/** Where the operator configuration's schema lives: `schema/operator-config.schema.json` at the package root. */
export const OPERATOR_CONFIG_SCHEMA_URL = new URL("../../schema/operator-config.schema.json", import.meta.url);

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
  ajv.addKeyword({ keyword: "x-error", schemaType: "string" });
  validator = ajv.compile(JSON.parse(readFileSync(OPERATOR_CONFIG_SCHEMA_URL, "utf8")) as object);
  return validator;
}

type Path = Array<string | number>;
type Schema = Record<string, unknown>;

/**
 * Schema and cross-checks of a parsed operator configuration, as diagnostics with positions.
 * Messages are built here from the schema, never from ajv's text or the offending value, so a
 * webhook URL can never end up in one.
 */
export function validateOperatorConfig(value: unknown, map: SourceMap): Diagnostic[] {
  const validate = getValidator();
  const out: Diagnostic[] = [];
  if (!validate(value)) {
    const errors = validate.errors ?? [];
    for (const e of errors) {
      if (isExplainedByTypo(e, errors)) continue;
      const d = describe(e, map);
      if (d && !out.some((o) => o.line === d.line && o.col === d.col && o.message === d.message)) out.push(d);
    }
    return out.sort((a, b) => a.line - b.line || a.col - b.col);
  }
  // The schema's pattern is a first filter; URL parsing has the last word.
  const channels = (value as { notify?: { channels?: Record<string, { webhookUrl: string; allowPrivateAddress?: boolean }> } }).notify?.channels ?? {};
  for (const [name, channel] of Object.entries(channels)) {
    const path = ["notify", "channels", name, "webhookUrl"];
    const problem = webhookUrlProblem(channel.webhookUrl, { allowPrivateAddress: channel.allowPrivateAddress === true });
    if (problem) out.push(at(map, path, `${safeDisplayPath(path)} ${problem}`));
  }
  out.push(...scriptProblems((value as { scripts?: Record<string, unknown> }).scripts, map));
  for (const [severity, text] of Object.entries((value as { tasks?: { due?: Record<string, unknown> } }).tasks?.due ?? {})) {
    const ms = typeof text === "string" ? (parseDuration(text) ?? 0) : 0;
    if (ms <= 0 || ms > MAX_DURATION_MS) out.push(at(map, ["tasks", "due", severity], `tasks.due.${severity} must be longer than 0 and at most 366d`));
  }
  for (const problem of apiTokenProblems((value as { api?: RawApi }).api)) out.push(at(map, [...problem.path], problem.message));
  return out;
}

/** The app's own secrets and settings: never copied into a script's environment. */
const APP_ONLY_VARIABLES = new Set(["PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "GITHUB_CLIENT_SECRET", "DATABASE_URL", "GOVERNANCE_CONFIG"]);
/** Set by the sandbox itself, to the script's own temporary folder. */
const SANDBOX_VARIABLES = new Set(["HOME", "TMPDIR"]);
const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 * 1024 };
const MAX_SCRIPT_TIMEOUT_MS = 3_600_000;
const MAX_SCRIPT_OUTPUT_BYTES = 1024 * 1024;

/** `"64KiB"` → 65536; undefined for text that is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^([0-9]{1,8})(B|KiB|MiB)$/.exec(text);
  return m ? Number(m[1]) * SIZE_UNITS[m[2]!]! : undefined;
}

/** What the schema cannot say about the scripts: the bounds of timeouts and output caps, and the variables no script may get. */
function scriptProblems(scripts: Record<string, unknown> | undefined, map: SourceMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, raw] of Object.entries(scripts ?? {})) {
    if (name === "maxConcurrent" || !raw || typeof raw !== "object") continue;
    const script = raw as { command?: string[]; timeout?: string; maxOutput?: string; env?: string[] };
    const path = (...rest: Path) => ["scripts", name, ...rest];
    const program = script.command?.[0];
    if (program !== undefined && !program.startsWith("/")) {
      out.push(at(map, path("command", 0), `${safeDisplayPath(path("command", 0))} must be the program's absolute path (such as /opt/scripts/rotate-key): a script is never looked up on a PATH`));
    }
    if (script.timeout !== undefined) {
      const ms = parseDuration(script.timeout) ?? 0;
      if (ms <= 0 || ms > MAX_SCRIPT_TIMEOUT_MS) out.push(at(map, path("timeout"), `${safeDisplayPath(path("timeout"))} must be longer than 0 and at most 1h`));
    }
    if (script.maxOutput !== undefined) {
      const bytes = parseSize(script.maxOutput) ?? 0;
      if (bytes <= 0 || bytes > MAX_SCRIPT_OUTPUT_BYTES) out.push(at(map, path("maxOutput"), `${safeDisplayPath(path("maxOutput"))} must be more than 0 and at most 1MiB`));
    }
    (script.env ?? []).forEach((variable, i) => {
      const why = APP_ONLY_VARIABLES.has(variable) ? "is one of the app's own secrets or settings; a script never gets it" : SANDBOX_VARIABLES.has(variable) ? "is always the script's own temporary folder; it cannot be copied from the app" : undefined;
      if (why) out.push(at(map, path("env", i), `${safeDisplayPath(path("env", i))}: ${variable} ${why}`));
    });
  }
  return out;
}

/** `webhookURL` instead of `webhookUrl`: the unknown-field error says it all, "missing" would be noise. */
function isExplainedByTypo(e: ErrorObject, all: readonly ErrorObject[]): boolean {
  if (e.keyword !== "required") return false;
  const missing = String((e.params as Record<string, unknown>).missingProperty);
  return all.some(
    (o) => o.keyword === "additionalProperties" && o.instancePath === e.instancePath && closest(String((o.params as Record<string, unknown>).additionalProperty), [missing]) === missing,
  );
}

function describe(e: ErrorObject, map: SourceMap): Diagnostic | undefined {
  const path: Path = fromPointer(e.instancePath);
  const where = path.length > 0 ? `${safeDisplayPath(path)}: ` : "";
  const subject = path.length > 0 ? safeDisplayPath(path) : "the configuration";
  const parent = (e.parentSchema ?? {}) as Schema;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": {
      const extra = String(params.additionalProperty);
      const known = Object.keys((parent.properties ?? {}) as Schema).filter((k) => k !== "$schema");
      const hint = didYouMean(extra, known);
      return at(map, [...path, extra], `${where}unknown field ${showKey(extra)}${hint}; expected ${known.length === 1 ? known[0] : `one of ${known.join(", ")}`}`, true);
    }
    case "propertyNames": {
      const name = String(params.propertyName);
      const rule = ((parent.propertyNames ?? {}) as Schema)["x-error"] ?? "is not an allowed name";
      return at(map, [...path, name], `${where}${showKey(name)} ${String(rule)}`, true);
    }
    case "pattern": {
      // Inside propertyNames: reported above, with the name.
      if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return undefined;
      const problem = typeof e.data === "string" && path.at(-1) === "webhookUrl" ? webhookUrlProblem(e.data) : undefined;
      return at(map, path, `${subject} ${problem ?? String(parent["x-error"] ?? "is not valid")}`);
    }
    case "required":
      return at(map, path, `${where}missing required field "${String(params.missingProperty)}"`);
    case "type": {
      const hint = path.length === 3 && path[1] === "channels" ? ' (write it as "#name": { webhookUrl: https://… })' : "";
      return at(map, path, `${subject} must be ${article(String(params.type))}, not ${kindOf(e.data)}${hint}`);
    }
    case "enum": {
      const allowed = ((parent.enum ?? []) as unknown[]).map(String);
      return at(map, path, `${subject} must be one of ${allowed.join(", ")}`);
    }
    case "minLength":
      return at(map, path, `${subject} must not be empty`);
    case "maxLength":
      return at(map, path, `${subject} is too long (at most ${String(params.limit)} characters)`);
    case "minItems":
      return at(map, path, `${subject} must have at least ${String(params.limit)} ${Number(params.limit) === 1 ? "entry" : "entries"}`);
    case "maxItems":
      return at(map, path, `${subject} has too many entries (at most ${String(params.limit)})`);
    case "maxProperties":
      return at(map, path, `${subject} has too many entries (at most ${String(params.limit)})`);
    default:
      return at(map, path, `${subject} is not valid`);
  }
}

function at(map: SourceMap, path: Path, message: string, key = false): Diagnostic {
  return { severity: "error", message, pointer: toPointer(path), ...map.spanAt(path, key) };
}

function article(type: string): string {
  return type === "object" ? "a mapping" : type === "array" ? "a list" : `a ${type}`;
}

function kindOf(v: unknown): string {
  if (v === null) return "null (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "boolean") return "true or false";
  return typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}
