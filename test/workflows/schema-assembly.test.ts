import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import { actionFileName, actionSchemaFiles, assemble, DOC_KEY, stripDocs, triggerFileName, triggerSchemaFiles } from "../../scripts/build-schema.mjs";
import { ACTION_KINDS, TRIGGER_TYPES } from "../../src/domain/workflow.js";

type Json = Record<string, any>;

const ROOT = new URL("../../", import.meta.url);
const read = (path: string, root = ROOT) => readFileSync(new URL(path, root), "utf8");
const actionSchema = (kind: string) => JSON.parse(read(`src/actions/${actionFileName(kind)}`)) as Json;
const triggerSchema = (type: string) => JSON.parse(read(`src/triggers/${triggerFileName(type)}`)) as Json;
const base = JSON.parse(read("src/workflows/workflow.base.schema.json")) as Json;

describe("schema/workflow.schema.json, assembled from the trigger types' and action kinds' own schemas", () => {
  it("is what the sources give (run node scripts/build-schema.mjs after editing one)", () => {
    expect(assemble(), "schema/workflow.schema.json is out of date: run node scripts/build-schema.mjs").toBe(read("schema/workflow.schema.json"));
  });

  it("has a schema file for every action kind the engine knows, and none for another", () => {
    expect(actionSchemaFiles()).toEqual(ACTION_KINDS.map(actionFileName).sort());
    expect(base.$defs.action.oneOf.map((slot: Json) => slot.$action)).toEqual([...ACTION_KINDS]);
    for (const kind of ACTION_KINDS) expect(actionSchema(kind).kind).toBe(kind);
  });

  it("has a schema file for every trigger type the engine knows, and none for another", () => {
    expect(triggerSchemaFiles()).toEqual(TRIGGER_TYPES.map(triggerFileName).sort());
    expect(triggerSchemaFiles()).toEqual(["manual.schema.json", "on-pr.schema.json", "on-scan-result.schema.json", "on-schedule.schema.json"]);
    expect(base.$defs.trigger.oneOf.map((slot: Json) => slot.$trigger).sort()).toEqual([...TRIGGER_TYPES].sort());
    for (const type of TRIGGER_TYPES) expect(triggerSchema(type).type).toBe(type);
  });

  it("describes every trigger type and every config field", () => {
    const undocumented: string[] = [];
    for (const type of TRIGGER_TYPES) {
      const own = triggerSchema(type);
      if (!own.description) undocumented.push(type);
      for (const [name, field] of Object.entries(own.config.properties as Json)) if (!field.description) undocumented.push(`${type}.${name}`);
    }
    expect(undocumented).toEqual([]);
  });

  it("keeps the README text out of the published schema, which ajv compiles in strict mode", () => {
    const published = read("schema/workflow.schema.json");
    expect(published).not.toContain(`"${DOC_KEY}"`);
    for (const key of ['"summary"', '"outputs"', '"note"', '"configRequired"', '"$trigger"', '"$action"']) expect(published).not.toContain(key);
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true, validateFormats: false });
    ajv.addKeyword({ keyword: "x-error", schemaType: "string" });
    expect(() => ajv.compile(JSON.parse(published))).not.toThrow();
  });

  it("strips the README text at any depth and keeps every other key in its place", () => {
    const schema = { type: "object", properties: { readme: { type: "string", readme: { meaning: "a property named readme stays" } }, a: { items: { readme: {}, type: "string" } } }, readme: {} };
    expect(JSON.stringify(stripDocs(schema))).toBe(JSON.stringify({ type: "object", properties: { readme: { type: "string" }, a: { items: { type: "string" } } } }));
  });

  it("describes every parameter of every action kind", () => {
    const undocumented: string[] = [];
    for (const kind of ACTION_KINDS) {
      const own = actionSchema(kind);
      if (!own.description) undocumented.push(kind);
      for (const [name, param] of Object.entries(own.parameters.properties as Json)) {
        // A shared definition (a duration) carries its own description.
        const ref = typeof param.$ref === "string" ? base.$defs[param.$ref.replace("#/$defs/", "")] : undefined;
        if (!param.description && !ref?.description) undocumented.push(`${kind}.${name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it("names every parameter of an action kind in that kind's row of the README's Actions table", () => {
    const readme = read("README.md").split("\n");
    const missing: string[] = [];
    for (const kind of ACTION_KINDS) {
      const row = readme.find((line) => line.startsWith(`| \`${kind}\`:`));
      expect(row, `README.md has no Actions table row for ${kind}`).toBeDefined();
      const parameters = row!.split(" | ")[1] ?? "";
      for (const name of Object.keys(actionSchema(kind).parameters.properties as Json)) {
        if (!parameters.includes(`\`${name}\``)) missing.push(`${kind}.${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("the assembler", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A copy of the schema sources to edit. */
  function sources(): { root: URL; path: (p: string) => string } {
    dir = mkdtempSync(join(tmpdir(), "schema-assembly-"));
    for (const folder of ["src/workflows", "src/actions", "src/triggers"]) cpSync(new URL(folder, ROOT), join(dir, folder), { recursive: true, filter: (p) => !p.endsWith(".ts") });
    const root = pathToFileURL(`${dir}/`);
    return { root, path: (p) => join(dir!, p) };
  }

  it("gives another schema when one action's source changes", () => {
    const { root, path } = sources();
    const file = path("src/actions/notify.schema.json");
    writeFileSync(file, read("src/actions/notify.schema.json").replace("Several configured channels.", "Several channels."));
    expect(assemble(root)).not.toBe(read("schema/workflow.schema.json"));
  });

  it("refuses an action schema the base does not list, naming the fix", () => {
    const { root, path } = sources();
    writeFileSync(path("src/actions/open-pull-request.schema.json"), JSON.stringify({ kind: "openPullRequest", description: "x", parameters: { type: "object" } }));
    expect(() => assemble(root)).toThrow('src/actions/open-pull-request.schema.json is not listed in src/workflows/workflow.base.schema.json ($defs.action.oneOf): add { "$action": "<kind>" } there');
  });

  it("refuses an action schema whose kind is not its file's", () => {
    const { root, path } = sources();
    const file = path("src/actions/run-script.schema.json");
    writeFileSync(file, read("src/actions/run-script.schema.json").replace('"kind": "runScript"', '"kind": "runScripts"'));
    expect(() => assemble(root)).toThrow('src/actions/run-script.schema.json: kind is "runScripts", but the file name says "runScript"');
  });

  it("refuses a trigger schema the base does not list, naming the fix", () => {
    const { root, path } = sources();
    writeFileSync(path("src/triggers/on-push.schema.json"), JSON.stringify({ type: "onPush", description: "x", config: { type: "object" } }));
    expect(() => assemble(root)).toThrow('src/triggers/on-push.schema.json is not listed in src/workflows/workflow.base.schema.json ($defs.trigger.oneOf): add { "$trigger": "<type>" } there');
  });

  it("refuses a trigger schema whose type is not its file's", () => {
    const { root, path } = sources();
    writeFileSync(path("src/triggers/on-pr.schema.json"), read("src/triggers/on-pr.schema.json").replace('"type": "onPR"', '"type": "onPullRequest"'));
    expect(() => assemble(root)).toThrow('src/triggers/on-pr.schema.json: type is "onPullRequest", but the file name says "onPR"');
  });

  it("refuses a slot listed twice, or one that is not a bare slot", () => {
    const { root, path } = sources();
    const file = path("src/workflows/workflow.base.schema.json");
    const edit = (change: (b: Json) => void) => {
      const b = JSON.parse(read("src/workflows/workflow.base.schema.json")) as Json;
      change(b);
      writeFileSync(file, JSON.stringify(b));
    };
    edit((b) => b.$defs.trigger.oneOf.push({ $trigger: "manual" }));
    expect(() => assemble(root)).toThrow('src/workflows/workflow.base.schema.json: $defs.trigger.oneOf lists "manual" twice');
    edit((b) => (b.$defs.trigger.oneOf[1] = { $trigger: "onPR", type: "object" }));
    expect(() => assemble(root)).toThrow('src/workflows/workflow.base.schema.json: $defs.trigger.oneOf[1] must be { "$trigger": "<type>" }');
    edit((b) => b.$defs.action.oneOf.push({ $action: "notify" }));
    expect(() => assemble(root)).toThrow('src/workflows/workflow.base.schema.json: $defs.action.oneOf lists "notify" twice');
  });

  it("refuses a file with keys other than its own, or out of order", () => {
    const { root, path } = sources();
    const trigger = JSON.parse(read("src/triggers/manual.schema.json")) as Json;
    writeFileSync(path("src/triggers/manual.schema.json"), JSON.stringify({ ...trigger, required: ["config"] }));
    expect(() => assemble(root)).toThrow("src/triggers/manual.schema.json: must hold exactly type, description, config, [configRequired] in that order");
    writeFileSync(path("src/triggers/manual.schema.json"), JSON.stringify({ ...trigger, configRequired: false }));
    expect(() => assemble(root)).toThrow("src/triggers/manual.schema.json: configRequired must be true when present");
    writeFileSync(path("src/triggers/manual.schema.json"), read("src/triggers/manual.schema.json"));
    const { summary, ...action } = JSON.parse(read("src/actions/notify.schema.json")) as Json;
    writeFileSync(path("src/actions/notify.schema.json"), JSON.stringify({ ...action, summary }));
    expect(() => assemble(root)).toThrow("src/actions/notify.schema.json: must hold exactly kind, description, summary, parameters, [note], outputs in that order");
  });

  it("requires the config exactly when the trigger file says configRequired", () => {
    const published = JSON.parse(read("schema/workflow.schema.json")) as Json;
    const required = Object.fromEntries(published.$defs.trigger.oneOf.map((b: Json) => [b.properties.type.const, b.required]));
    expect(required).toEqual({ onScanResult: ["type"], onPR: ["type"], onSchedule: ["type", "config"], manual: ["type"] });
    for (const type of TRIGGER_TYPES) expect(triggerSchema(type).configRequired === true).toBe(type === "onSchedule");
  });

  it("names trigger files in kebab case, a run of capitals as one word", () => {
    expect(["onScanResult", "onPR", "onSchedule", "manual"].map(triggerFileName)).toEqual(["on-scan-result.schema.json", "on-pr.schema.json", "on-schedule.schema.json", "manual.schema.json"]);
    expect(ACTION_KINDS.map(actionFileName)).toEqual(["create-issue.schema.json", "assign-task.schema.json", "run-remediation.schema.json", "notify.schema.json", "run-script.schema.json"]);
  });
});
