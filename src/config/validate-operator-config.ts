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
import { safeDisplayPath, showKey } from "./redact.js";
import { webhookUrlProblem } from "./webhook-url.js";

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
    case "minLength":
      return at(map, path, `${subject} must not be empty`);
    case "maxLength":
      return at(map, path, `${subject} is too long (at most ${String(params.limit)} characters)`);
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
