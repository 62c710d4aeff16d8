import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { actionFileName, actionSchemaFiles, assemble } from "../../scripts/build-schema.mjs";
import { ACTION_KINDS } from "../../src/domain/workflow.js";

type Json = Record<string, any>;

const ROOT = new URL("../../", import.meta.url);
const read = (path: string, root = ROOT) => readFileSync(new URL(path, root), "utf8");
const actionSchema = (kind: string) => JSON.parse(read(`src/actions/${actionFileName(kind)}`)) as Json;
const base = JSON.parse(read("src/workflows/workflow.base.schema.json")) as Json;

describe("schema/workflow.schema.json, assembled from the action kinds' own schemas", () => {
  it("is what the sources give (run node scripts/build-schema.mjs after editing one)", () => {
    expect(assemble(), "schema/workflow.schema.json is out of date: run node scripts/build-schema.mjs").toBe(read("schema/workflow.schema.json"));
  });

  it("has a schema file for every action kind the engine knows, and none for another", () => {
    expect(actionSchemaFiles()).toEqual(ACTION_KINDS.map(actionFileName).sort());
    expect(base.$defs.action.oneOf.map((slot: Json) => slot.$action)).toEqual([...ACTION_KINDS]);
    for (const kind of ACTION_KINDS) expect(actionSchema(kind).kind).toBe(kind);
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
    for (const folder of ["src/workflows", "src/actions"]) cpSync(new URL(folder, ROOT), join(dir, folder), { recursive: true, filter: (p) => !p.endsWith(".ts") });
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
});
