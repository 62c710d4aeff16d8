/**
 * Org-wide workflow documents: the workflow format plus `owner` and `repositories`, as the REST
 * API receives them and `governance import` reads them. Validated by the same stages as a
 * repository file; the stored text always carries the workflow's id, and is converted between
 * YAML and JSON deterministically, so export → import → export is byte-identical.
 */
import { isMap, parseDocument, stringify } from "yaml";
import type { Diagnostic } from "../domain/diagnostic.js";
import type { WorkflowFormat } from "../domain/stored-workflow.js";
import type { Workflow } from "../domain/workflow.js";
import { loadWorkflow } from "./load.js";

/** A valid org-wide document: its workflow (`owner` and `repositories` set) and every warning. */
export type OrgWideDocument = { ok: true; workflow: Workflow & { owner: string; repositories: string[] }; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Loads an org-wide document through every stage of a workflow file, with `owner` and `repositories` required. */
export function loadOrgWideDocument(path: string, text: string, format: WorkflowFormat, options: { knownScripts?: ReadonlySet<string> } = {}): OrgWideDocument {
  const file = loadWorkflow(path, text, { ...options, origin: "orgWide", format });
  if (!file.workflow) return { ok: false, diagnostics: file.diagnostics };
  return { ok: true, workflow: file.workflow as Workflow & { owner: string; repositories: string[] }, diagnostics: file.diagnostics };
}

/**
 * The document's text with `id` as its first field, when it has none (and without a byte-order
 * mark): a YAML document keeps its comments (a leading one comes after the new `id`), a JSON
 * one is written again (2-space indent, a trailing newline).
 */
export function withId(source: string, format: WorkflowFormat, id: string): string {
  const text = source.replace(/^\uFEFF/, "");
  if (format === "json") {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (value.id !== undefined) return text;
    return `${JSON.stringify({ id, ...value }, null, 2)}\n`;
  }
  const doc = parseDocument(text);
  const top = doc.contents as unknown;
  if (!isMap(top) || top.has("id")) return text;
  top.items.unshift(doc.createPair("id", id));
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

/** The workflow written in `format`: the stored text itself when it is in that format, else the definition converted. */
export function documentText(source: string, sourceFormat: WorkflowFormat, definition: Workflow, format: WorkflowFormat): string {
  if (format === sourceFormat) return source;
  if (format === "json") return `${JSON.stringify(definition, null, 2)}\n`;
  return stringify(definition, { lineWidth: 0 });
}

/** Two definitions are the same workflow: equal once keys are sorted (the order of a mapping's keys means nothing). */
export function sameDefinition(a: Workflow, b: Workflow): boolean {
  return stable(a) === stable(b);
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : v,
  );
}
