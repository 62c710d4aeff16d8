#!/usr/bin/env node
// Assembles the published schema/workflow.schema.json from its sources:
//   src/workflows/workflow.base.schema.json  everything but the action kinds; its
//                                            $defs.action.oneOf lists { "$action": "<kind>" }
//                                            in the order the schema offers them
//   src/actions/<kind-in-kebab-case>.schema.json
//                                            one per action kind: { kind, description, parameters }
// The output is self-contained (schema/ is published, src/ is not) and written the way
// JSON.stringify writes it: keys in source order, 2-space indent, a trailing newline.
//
//   node scripts/build-schema.mjs          write schema/workflow.schema.json
//   node scripts/build-schema.mjs --check  exit 1 when the committed file is out of date
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);
const BASE = "src/workflows/workflow.base.schema.json";
const ACTIONS_DIR = "src/actions";
export const OUTPUT = "schema/workflow.schema.json";
const SUFFIX = ".schema.json";
const ACTION_KEYS = ["kind", "description", "parameters"];

/** `runRemediation` → `run-remediation`: the file name of an action kind's schema. */
export function actionFileName(kind) {
  return `${kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}${SUFFIX}`;
}

/** The action kinds that have a schema file in src/actions/, by file name (kebab case). */
export function actionSchemaFiles(root = ROOT) {
  return readdirSync(new URL(`${ACTIONS_DIR}/`, root))
    .filter((name) => name.endsWith(SUFFIX))
    .sort();
}

/** The text of schema/workflow.schema.json as the sources say it should be. Pure apart from reading. */
export function assemble(root = ROOT) {
  const base = readJson(root, BASE);
  const action = base.$defs?.action;
  if (!Array.isArray(action?.oneOf)) throw new Error(`${BASE}: $defs.action.oneOf must list the action kinds as { "$action": "<kind>" }`);
  const listed = new Set();
  action.oneOf = action.oneOf.map((slot, i) => {
    const kind = slot?.$action;
    if (typeof kind !== "string" || Object.keys(slot).length !== 1) throw new Error(`${BASE}: $defs.action.oneOf[${i}] must be { "$action": "<kind>" }`);
    if (listed.has(kind)) throw new Error(`${BASE}: $defs.action.oneOf lists "${kind}" twice`);
    listed.add(kind);
    return actionBranch(root, kind);
  });
  const unlisted = actionSchemaFiles(root).filter((name) => ![...listed].some((kind) => actionFileName(kind) === name));
  if (unlisted.length) throw new Error(`${ACTIONS_DIR}/${unlisted[0]} is not listed in ${BASE} ($defs.action.oneOf): add { "$action": "<kind>" } there`);
  return `${JSON.stringify(base, null, 2)}\n`;
}

/** One branch of the action discriminator, built the same way for every kind. */
function actionBranch(root, kind) {
  const path = `${ACTIONS_DIR}/${actionFileName(kind)}`;
  const own = readJson(root, path);
  const keys = Object.keys(own);
  if (keys.join() !== ACTION_KEYS.join()) throw new Error(`${path}: must hold exactly ${ACTION_KEYS.join(", ")} in that order (has ${keys.join(", ")})`);
  if (own.kind !== kind) throw new Error(`${path}: kind is "${own.kind}", but the file name says "${kind}"`);
  return {
    type: "object",
    description: own.description,
    properties: { kind: { const: kind }, parameters: own.parameters },
    required: ["kind"],
    additionalProperties: false,
  };
}

function readJson(root, path) {
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
