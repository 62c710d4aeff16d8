/** The built-in trigger types: one module and one schema file each, and the registry, the published schema and the data model agree on them. */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TRIGGER_TYPES } from "../../src/domain/workflow.js";
import { definitionFor, isBuiltIn, triggerType, triggerTypes, triggerTypesFor, triggerVariables } from "../../src/triggers/registry.js";
import { contextVariables } from "../../src/workflows/expressions.js";
import { triggerFileName } from "../../scripts/build-schema.mjs";

const schema = JSON.parse(readFileSync(new URL("../../schema/workflow.schema.json", import.meta.url), "utf8"));

describe("the built-in trigger types", () => {
  const builtIn = triggerTypes().filter(isBuiltIn);

  it("are the data model's, each with its schema file beside its module", () => {
    expect(new Set(builtIn.map((d) => d.type))).toEqual(new Set(TRIGGER_TYPES));
    for (const { type } of builtIn) {
      const file = new URL(`../../src/triggers/${triggerFileName(type)}`, import.meta.url);
      expect(existsSync(file), `${type}: src/triggers/${triggerFileName(type)}`).toBe(true);
      expect(JSON.parse(readFileSync(file, "utf8")).type).toBe(type);
    }
  });

  it("are the published schema's trigger branches", () => {
    const consts = schema.$defs.trigger.oneOf.map((b: any) => b.properties.type.const);
    expect(new Set(consts)).toEqual(new Set(builtIn.map((d) => d.type)));
  });

  it("each take an event kind of their own, and find their definition from an event", () => {
    const kinds = builtIn.map((d) => d.event);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const d of builtIn) expect(triggerTypesFor(d.event)).toEqual([d]);
    expect(definitionFor({ kind: "schedule", workflowPath: ".governance/a.yml", triggerIndex: 0, scheduledFor: "2030-01-01T00:00:00.000Z" })).toBe(triggerType("onSchedule"));
    // The engine's own events start no trigger type.
    expect(definitionFor({ kind: "rerun", checkRunId: 1, runId: "r", headSha: "abc" })).toBeUndefined();
  });

  it("give expressions their variables, documented beside the run's own", () => {
    expect(triggerVariables()).toEqual(["pullRequest", "finding", "inputs"]);
    expect(contextVariables()).toEqual(["event", "repository", "pullRequest", "finding", "inputs", "steps", "run", "workflow"]);
  });
});
