import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadWorkflow, type WorkflowFile } from "../../src/workflows/index.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Loads `test/fixtures/workflows/<name>` through every stage, as the app and the CLI do. */
export function loadFixture(name: string): WorkflowFile {
  return loadWorkflow(name, readFileSync(`${FIXTURES}workflows/${name}`));
}

/** The errors (not warnings) of a result. */
export function errorsOf(result: WorkflowFile) {
  return result.diagnostics.filter((d) => d.severity === "error");
}
