/** The one way a workflow file is loaded: size and encoding, then parse, schema and compile, each stage only after the one before passed. */
import type { Diagnostic } from "../domain/diagnostic.js";
import { hasErrors } from "../domain/diagnostic.js";
import type { Workflow } from "../domain/workflow.js";
import { compileChecks } from "./compile.js";
import { LIMITS } from "./limits.js";
import { validateAgainstSchema } from "./schema.js";
import { parseSource, type SourceFormat } from "./source.js";

/** The outcome of loading one workflow file: the workflow when it is valid, and every diagnostic. */
export interface WorkflowFile {
  path: string;
  workflow?: Workflow;
  diagnostics: Diagnostic[];
}

/** What a workflow is checked against beyond its own file. */
export interface LoadOptions {
  /** The scripts the operator's configuration lists; when given, a runScript step naming another is an error. */
  knownScripts?: ReadonlySet<string>;
  /**
   * Where the document lives: a repository's `.governance/` folder (the default), where `owner`
   * and `repositories` have no place, or the app's store (an org-wide workflow: the API,
   * `governance import`), where both are required.
   */
  origin?: "repository" | "orgWide";
  /** The text's syntax, when the path's extension does not say it (a request body). */
  format?: SourceFormat;
}

/** File names that hold workflows inside `.governance/`. */
export function isWorkflowFileName(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name);
}

/** A file-level problem (missing, unreadable, too large), reported at 1:1. */
export function fileError(path: string, message: string): WorkflowFile {
  return { path, diagnostics: [{ severity: "error", message, line: 1, col: 1, pointer: "" }] };
}

/** The load-stage refusal of a file over the size cap; callers that know the size check first. */
export function sizeError(path: string, bytes: number): WorkflowFile | undefined {
  if (bytes <= LIMITS.maxFileBytes) return undefined;
  return fileError(path, `the file is too large (${Math.ceil(bytes / 1024)} KiB; at most ${LIMITS.maxFileBytes / 1024} KiB)`);
}

/**
 * Loads one workflow file through every stage: load (size, encoding) → parse (YAML or JSON
 * syntax, hostile structures) → schema → compile. Each stage runs only when the one before it
 * passed, so an error is reported once, at the stage that understands it.
 */
export function loadWorkflow(path: string, content: Uint8Array | string, options: LoadOptions = {}): WorkflowFile {
  const size = typeof content === "string" ? Buffer.byteLength(content, "utf8") : content.byteLength;
  const tooLarge = sizeError(path, size);
  if (tooLarge) return tooLarge;
  let text: string;
  try {
    text = typeof content === "string" ? content : new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    return fileError(path, "the file is not valid UTF-8 text");
  }
  text = text.replace(/^\uFEFF/, "");
  if (text.trim() === "") return fileError(path, "the file is empty; a workflow needs at least name, version, triggers and steps");

  const format: SourceFormat = options.format ?? (/\.json$/i.test(path) ? "json" : "yaml");
  const parsed = parseSource(text, format);
  if (!parsed.ok) return { path, diagnostics: parsed.diagnostics };
  if (parsed.value === null || parsed.value === undefined) {
    return fileError(path, "the file holds no workflow (only comments?); a workflow needs at least name, version, triggers and steps");
  }

  const schemaErrors = validateAgainstSchema(parsed.value, parsed.map);
  if (schemaErrors.length > 0) return { path, diagnostics: schemaErrors };

  const workflow = parsed.value as Workflow;
  const diagnostics = compileChecks(workflow, parsed.map, options);
  return hasErrors(diagnostics) ? { path, diagnostics } : { path, workflow, diagnostics };
}
