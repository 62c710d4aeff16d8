/**
 * Which workflow `/governance run <workflow>` (or the CLI, or the API) means: people name a
 * workflow by id, by file or by its name, and each way must lead to exactly one.
 */
import type { ManualConfig, Workflow } from "../domain/workflow.js";
import { quoteUserText } from "../domain/text.js";
import { didYouMean } from "../domain/suggest.js";
import type { WorkflowEntry } from "./types.js";

/** The one workflow a reference names, or a message for the person who wrote it. */
export type FindWorkflowResult<T extends WorkflowEntry> = { ok: true; match: T } | { ok: false; message: string };

const EXTENSION = /\.(?:ya?ml|json)$/i;
const MAX_LISTED = 20;

/**
 * Resolves a reference by, in order: the exact id; the file path or file name, with or without
 * extension; the workflow's name (case-insensitive). The first rule that matches decides; two
 * matches under one rule are an error, never a guess. The match must have a `manual` trigger.
 */
export function findWorkflow<T extends WorkflowEntry>(reference: string, workflows: ReadonlyArray<T>): FindWorkflowResult<T> {
  const ref = reference.trim();
  if (ref === "") return { ok: false, message: "missing the workflow: name it by its file, name or id" };
  const file = ref.replace(/^\.\//, "");
  const lower = ref.toLowerCase();
  const rules: Array<(w: T) => boolean> = [
    (w) => w.id === ref,
    (w) => fileNames(w.path).includes(file),
    (w) => w.workflow.name.toLowerCase() === lower,
  ];
  for (const rule of rules) {
    const found = workflows.filter(rule);
    if (found.length > 1) {
      return { ok: false, message: `${quoteUserText(ref)} matches ${found.length} workflows: ${list(found)}; name one by its file path` };
    }
    if (found[0]) return startable(found[0]);
  }
  return { ok: false, message: notFound(ref, workflows) };
}

/** The config of a workflow's manual trigger (the first, should there be several), or undefined. */
export function manualConfig(workflow: Workflow): ManualConfig | undefined {
  const trigger = workflow.triggers.find((t) => t.type === "manual");
  return trigger ? (trigger.config ?? {}) : undefined;
}

/** Every way to name a file: `.governance/triage.yml`, `.governance/triage`, `triage.yml`, `triage`. */
function fileNames(path: string): string[] {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return [path, path.replace(EXTENSION, ""), base, base.replace(EXTENSION, "")];
}

function startable<T extends WorkflowEntry>(entry: T): FindWorkflowResult<T> {
  if (manualConfig(entry.workflow)) return { ok: true, match: entry };
  return {
    ok: false,
    message: `workflow ${describe(entry)} cannot be started by hand: it has no manual trigger (add "- type: manual" to its triggers)`,
  };
}

function notFound(ref: string, workflows: ReadonlyArray<WorkflowEntry>): string {
  if (workflows.length === 0) return `no workflow ${quoteUserText(ref)}: there are no valid workflows in .governance/`;
  const candidates = new Set<string>();
  for (const w of workflows) {
    // Derived ids are uuids nobody types; only declared ids are worth suggesting.
    if (w.workflow.id !== undefined) candidates.add(w.workflow.id);
    candidates.add(w.workflow.name);
    const base = w.path.slice(w.path.lastIndexOf("/") + 1);
    candidates.add(base.replace(EXTENSION, ""));
    candidates.add(base);
  }
  return `no workflow ${quoteUserText(ref)}${didYouMean(ref, [...candidates])}; the workflows are: ${list(workflows)}`;
}

/** `"Name" (path), …`, bounded: a folder may hold hundreds of workflows. */
function list(workflows: ReadonlyArray<WorkflowEntry>): string {
  const shown = workflows.slice(0, MAX_LISTED).map(describe).join(", ");
  return workflows.length > MAX_LISTED ? `${shown} and ${workflows.length - MAX_LISTED} more` : shown;
}

function describe(entry: WorkflowEntry): string {
  return `${JSON.stringify(entry.workflow.name)} (${entry.path})`;
}
