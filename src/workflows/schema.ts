/** The schema stage of validation: the workflow JSON Schema's validator, compiled once per set of trigger types, and its errors as diagnostics. */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";
import type { Diagnostic } from "../domain/diagnostic.js";
import { finishDiagnostics, noSuggestion, type PendingDiagnostic } from "./diagnostic-cap.js";
import { LIMITS } from "./limits.js";
import { isBuiltIn, triggerGeneration, triggerTypes } from "../triggers/registry.js";
import { describe, errorContext } from "./schema-errors.js";
import type { SourceMap } from "./source.js";

/**
 * Where the published schema lives: `schema/workflow.schema.json` at the package root. It is
 * assembled by `npm run schema` from `workflow.base.schema.json` beside this file, one
 * `src/triggers/<type>.schema.json` per built-in trigger type and one
 * `src/actions/<kind>.schema.json` per action kind: edit those, then run the script.
 */
export const SCHEMA_URL = new URL("../../schema/workflow.schema.json", import.meta.url);

let validator: ValidateFunction | undefined;
/** The trigger types the validator was compiled for. */
let compiledFor = -1;

/** The workflow JSON Schema, as published for editors. */
export function workflowSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as Record<string, unknown>;
}

/**
 * Compiles the schema's validator now instead of at the first file validated (about 100 ms
 * alone, several times that beside other work): a long-lived process calls this as it starts,
 * so that its first delivery does not wait on it.
 */
export function prepareSchemaValidator(): void {
  getValidator();
}

function getValidator(): ValidateFunction {
  if (validator && compiledFor === triggerGeneration()) return validator;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true });
  // ajv-formats is CommonJS; under NodeNext its default export may arrive wrapped.
  const addFormats = ((formatsPlugin as unknown as { default?: unknown }).default ?? formatsPlugin) as (a: Ajv2020) => void;
  addFormats(ajv);
  // Our annotation: the human message for a failed `pattern`.
  ajv.addKeyword({ keyword: "x-error", schemaType: "string" });
  validator = ajv.compile(withRegisteredTriggers(workflowSchema()));
  compiledFor = triggerGeneration();
  return validator;
}

/** The published schema, with a branch for each trigger type registered beside the built-in ones. */
function withRegisteredTriggers(schema: Record<string, unknown>): Record<string, unknown> {
  const branches = (schema as { $defs: { trigger: { oneOf: unknown[] } } }).$defs.trigger.oneOf;
  for (const definition of triggerTypes()) {
    if (isBuiltIn(definition) || !definition.schema) continue;
    const { description, config, configRequired } = definition.schema;
    branches.push({
      type: "object",
      description,
      properties: { type: { const: definition.type }, config },
      required: configRequired ? ["type", "config"] : ["type"],
      additionalProperties: false,
    });
  }
  return schema;
}

/**
 * Schema stage: returns diagnostics with positions and readable messages, never a raw ajv dump.
 *
 * Linear in the document: lists longer than `LIMITS.maxListItems` are validated on their
 * first entries only (the list is reported as too long anyway, and ajv's uniqueItems compares
 * every pair), ajv's errors are looked up through indexes instead of searched, and only the
 * first `LIMITS.maxErrorsPerFile` problems by position get their message (and suggestion).
 */
export function validateAgainstSchema(value: unknown, map: SourceMap): Diagnostic[] {
  const validate = getValidator();
  if (validate(boundLists(value))) return [];
  const errors = validate.errors ?? [];
  const context = errorContext(errors, value, map);
  const out: PendingDiagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const d = describe(e, context);
    if (!d) continue;
    const key = `${d.line}:${d.col}:${typeof d.message === "string" ? d.message : d.message(noSuggestion)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return finishDiagnostics(out);
}

/**
 * The value with every list cut to `LIMITS.maxListItems + 1` entries (still one too many for
 * the schema's largest maxItems, so the length error is reported). Copies only what it cuts.
 */
function boundLists(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.length > LIMITS.maxListItems + 1 ? value.slice(0, LIMITS.maxListItems + 1) : value;
    let changed = items !== value;
    const bounded = items.map((item) => {
      const b = boundLists(item);
      if (b !== item) changed = true;
      return b;
    });
    return changed ? bounded : value;
  }
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (v === null || typeof v !== "object") continue;
      const b = boundLists(v);
      if (b === v) continue;
      copy ??= { ...record };
      copy[k] = b;
    }
    return copy ?? value;
  }
  return value;
}
