#!/usr/bin/env node
// Assembles the published schema/workflow.schema.json from its sources:
//   src/workflows/workflow.base.schema.json  everything but the trigger types and the action
//                                            kinds; its $defs.trigger.oneOf lists
//                                            { "$trigger": "<type>" } and its $defs.action.oneOf
//                                            { "$action": "<kind>" }, in the order the schema
//                                            offers them
//   src/triggers/<type-in-kebab-case>.schema.json
//                                            one per trigger type:
//                                            { type, description, config[, configRequired: true] }
//   src/actions/<kind-in-kebab-case>.schema.json
//                                            one per action kind:
//                                            { kind, description, summary, parameters[, note], outputs }
// Those files also hold the README's text for them (scripts/build-docs.mjs writes the README's
// Triggers and Actions tables from it): summary, note and outputs of an action kind, and a
// "readme" object beside each parameter or config field's schema. None of it is JSON Schema:
// "readme" is stripped here, and the other keys are never copied.
// The output is self-contained (schema/ is published, src/ is not) and written the way
// JSON.stringify writes it: keys in source order, 2-space indent, a trailing newline.
//
//   node scripts/build-schema.mjs          write schema/workflow.schema.json
//   node scripts/build-schema.mjs --check  exit 1 when the committed file is out of date
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);
export const BASE = "src/workflows/workflow.base.schema.json";
export const ACTIONS_DIR = "src/actions";
export const TRIGGERS_DIR = "src/triggers";
export const OUTPUT = "schema/workflow.schema.json";
const SUFFIX = ".schema.json";
/** The keys of an action kind's file, in order; those in ACTION_OPTIONAL may be left out. */
const ACTION_KEYS = ["kind", "description", "summary", "parameters", "note", "outputs"];
const ACTION_OPTIONAL = new Set(["note"]);
/** The keys of a trigger type's file, in order; those in TRIGGER_OPTIONAL may be left out. */
const TRIGGER_KEYS = ["type", "description", "config", "configRequired"];
const TRIGGER_OPTIONAL = new Set(["configRequired"]);
/** The key beside a parameter's or config field's schema that holds its README text. */
export const DOC_KEY = "readme";

/** `runRemediation` → `run-remediation`, `onPR` → `on-pr`: a name in kebab case. */
function kebab(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

/** `runRemediation` → `run-remediation.schema.json`: the file name of an action kind's schema. */
export function actionFileName(kind) {
  return `${kebab(kind)}${SUFFIX}`;
}

/** `onScanResult` → `on-scan-result.schema.json`, `onPR` → `on-pr.schema.json`: the file name of a trigger type's schema. */
export function triggerFileName(type) {
  return `${kebab(type)}${SUFFIX}`;
}

/** The action kinds that have a schema file in src/actions/, by file name (kebab case). */
export function actionSchemaFiles(root = ROOT) {
  return schemaFiles(root, ACTIONS_DIR);
}

/** The trigger types that have a schema file in src/triggers/, by file name (kebab case). */
export function triggerSchemaFiles(root = ROOT) {
  return schemaFiles(root, TRIGGERS_DIR);
}

function schemaFiles(root, dir) {
  const url = new URL(`${dir}/`, root);
  if (!existsSync(url)) return [];
  return readdirSync(url)
    .filter((name) => name.endsWith(SUFFIX))
    .sort();
}

/** The two discriminated unions the base leaves to their own files. */
const UNIONS = [
  { def: "trigger", slot: "$trigger", noun: "type", dir: TRIGGERS_DIR, fileName: triggerFileName, files: triggerSchemaFiles, read: readTrigger, branch: triggerBranch },
  { def: "action", slot: "$action", noun: "kind", dir: ACTIONS_DIR, fileName: actionFileName, files: actionSchemaFiles, read: readAction, branch: actionBranch },
];

/**
 * The base schema and every trigger type's and action kind's file, checked, in the order the
 * base lists them: `{ base, triggers: [{ type, path, own }], actions: [{ kind, path, own }] }`.
 * `own` is the file as written (README text included). Pure apart from reading.
 */
export function readSources(root = ROOT) {
  const base = readJson(root, BASE);
  const out = { base };
  for (const union of UNIONS) {
    const where = `$defs.${union.def}.oneOf`;
    const slots = base.$defs?.[union.def]?.oneOf;
    if (!Array.isArray(slots)) throw new Error(`${BASE}: ${where} must list the ${union.def} ${union.noun}s as { "${union.slot}": "<${union.noun}>" }`);
    const listed = new Set();
    out[`${union.def}s`] = slots.map((slot, i) => {
      const name = slot?.[union.slot];
      if (typeof name !== "string" || Object.keys(slot).length !== 1) throw new Error(`${BASE}: ${where}[${i}] must be { "${union.slot}": "<${union.noun}>" }`);
      if (listed.has(name)) throw new Error(`${BASE}: ${where} lists "${name}" twice`);
      listed.add(name);
      const path = `${union.dir}/${union.fileName(name)}`;
      return { [union.noun]: name, path, own: union.read(root, path, name) };
    });
    const unlisted = union.files(root).filter((file) => ![...listed].some((name) => union.fileName(name) === file));
    if (unlisted.length) throw new Error(`${union.dir}/${unlisted[0]} is not listed in ${BASE} (${where}): add { "${union.slot}": "<${union.noun}>" } there`);
  }
  return out;
}

/** The text of schema/workflow.schema.json as the sources say it should be. Pure apart from reading. */
export function assemble(root = ROOT) {
  const sources = readSources(root);
  const { base } = sources;
  for (const union of UNIONS) base.$defs[union.def].oneOf = sources[`${union.def}s`].map((entry) => union.branch(entry));
  return `${JSON.stringify(base, null, 2)}\n`;
}

/** A file's keys must be `keys` in that order, leaving out only some of `optional`. */
function checkKeys(path, own, keys, optional) {
  const has = Object.keys(own);
  const expected = keys.filter((key) => !optional.has(key) || key in own);
  if (has.join() !== expected.join()) {
    const shown = keys.map((key) => (optional.has(key) ? `[${key}]` : key)).join(", ");
    throw new Error(`${path}: must hold exactly ${shown} in that order (the bracketed one may be left out; has ${has.join(", ")})`);
  }
}

function readAction(root, path, kind) {
  const own = readJson(root, path);
  checkKeys(path, own, ACTION_KEYS, ACTION_OPTIONAL);
  if (own.kind !== kind) throw new Error(`${path}: kind is "${own.kind}", but the file name says "${kind}"`);
  return own;
}

function readTrigger(root, path, type) {
  const own = readJson(root, path);
  checkKeys(path, own, TRIGGER_KEYS, TRIGGER_OPTIONAL);
  if (own.type !== type) throw new Error(`${path}: type is "${own.type}", but the file name says "${type}"`);
  if ("configRequired" in own && own.configRequired !== true) throw new Error(`${path}: configRequired must be true when present (leave it out when config is optional)`);
  return own;
}

/** One branch of the action discriminator, built the same way for every kind. */
function actionBranch({ kind, own }) {
  return {
    type: "object",
    description: own.description,
    properties: { kind: { const: kind }, parameters: stripDocs(own.parameters) },
    required: ["kind"],
    additionalProperties: false,
  };
}

/** One branch of the trigger discriminator, built the same way for every type. */
function triggerBranch({ type, own }) {
  return {
    type: "object",
    description: own.description,
    properties: { type: { const: type }, config: stripDocs(own.config) },
    required: own.configRequired ? ["type", "config"] : ["type"],
    additionalProperties: false,
  };
}

/** Keywords whose value is a map from names to schemas, a list of schemas, or one schema. */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "dependentSchemas"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_ONE = new Set(["items", "additionalProperties", "propertyNames", "contains", "not", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"]);

/** A copy of `schema` without the README text (DOC_KEY) at any depth; every other key keeps its place. */
export function stripDocs(schema) {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === DOC_KEY) continue;
    if (SCHEMA_MAPS.has(key) && value && typeof value === "object") out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, stripDocs(sub)]));
    else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(stripDocs);
    else if (SCHEMA_ONE.has(key)) out[key] = stripDocs(value);
    else out[key] = value;
  }
  return out;
}

export function readJson(root, path) {
  const text = readFileSync(new URL(path, root), "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: ${e.message}`);
  }
}

function main(args) {
  const text = assemble();
  const target = new URL(OUTPUT, ROOT);
  if (args.includes("--check")) {
    if (readFileSync(target, "utf8") === text) return 0;
    console.error(`${OUTPUT} is out of date: run node scripts/build-schema.mjs`);
    return 1;
  }
  writeFileSync(target, text);
  console.log(`wrote ${OUTPUT}`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
