import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { ACTION_KINDS, SEVERITIES, STEP_TYPES, TRIGGER_TYPES, FINDING_SOURCES, WAIT_EVENTS } from "../../src/domain/workflow.js";
import { workflowSchema } from "../../src/workflows/index.js";

type Json = Record<string, any>;

const schema = workflowSchema() as Json;
const defs = schema.$defs as Json;
const consts = (oneOf: Json[], tag: string) => oneOf.map((s) => s.properties[tag].const);

describe("the published JSON Schema", () => {
  it("is a JSON Schema 2020-12 document that compiles in strict mode", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true, validateFormats: false });
    ajv.addKeyword("x-error");
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it("names the same enums as the data model", () => {
    expect(new Set(consts(defs.trigger.oneOf, "type"))).toEqual(new Set(TRIGGER_TYPES));
    expect(new Set(consts(defs.step.oneOf, "type"))).toEqual(new Set(STEP_TYPES));
    expect(new Set(consts(defs.action.oneOf, "kind"))).toEqual(new Set(ACTION_KINDS));
    expect(defs.severity.enum).toEqual([...SEVERITIES]);
    const scan = defs.trigger.oneOf.find((t: Json) => t.properties.type.const === "onScanResult");
    expect(scan.properties.config.properties.sources.items.enum).toEqual([...FINDING_SOURCES]);
    const wait = defs.step.oneOf.find((s: Json) => s.properties.type.const === "wait");
    expect(wait.properties.wait.properties.for.enum).toEqual([...WAIT_EVENTS]);
  });

  it("describes every field for editors", () => {
    const undocumented: string[] = [];
    const visit = (node: Json, path: string) => {
      for (const [key, sub] of Object.entries((node.properties ?? {}) as Json)) {
        const documented = sub.description || sub.$ref || sub.const !== undefined || sub.enum || key === "$schema" || key === "createdAt" || key === "updatedAt";
        if (!documented) undocumented.push(`${path}.${key}`);
        visit(sub, `${path}.${key}`);
      }
      for (const branch of node.oneOf ?? []) visit(branch, path);
    };
    visit(schema, "");
    for (const [name, def] of Object.entries(defs)) visit(def as Json, `$defs.${name}`);
    expect(undocumented).toEqual([]);
  });
});
