/**
 * The inputs a GitHub Actions workflow file declares for `workflow_dispatch`, read from its
 * YAML: what runRemediation checks its inputs against before dispatching. The file is the
 * target repository's own, but it is still parsed with bounds (size, aliases), and anything
 * unexpected means "not checked", never a failure.
 */
import { parse } from "yaml";
import type { DispatchInput } from "../domain/ports.js";

/** Larger workflow files are not checked (GitHub's own limit on a workflow file is far above any real one's inputs). */
const MAX_FILE_CHARS = 512 * 1024;

/** The declared inputs, `{}` for a workflow_dispatch without inputs, undefined when the file cannot say (unparsable, no workflow_dispatch trigger). */
export function dispatchInputsOf(text: string): Record<string, DispatchInput> | undefined {
  if (text.length > MAX_FILE_CHARS) return undefined;
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch {
    return undefined;
  }
  const on = record(doc)?.on;
  if (on === "workflow_dispatch") return {};
  if (Array.isArray(on)) return on.includes("workflow_dispatch") ? {} : undefined;
  const triggers = record(on);
  if (!triggers || !Object.hasOwn(triggers, "workflow_dispatch")) return undefined;
  const inputs = record(record(triggers.workflow_dispatch)?.inputs);
  if (!inputs) return {};
  const declared: Record<string, DispatchInput> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    const s = record(spec) ?? {};
    declared[name] = {
      ...(s.required === true ? { required: true } : {}),
      ...(typeof s.type === "string" ? { type: s.type } : {}),
      ...(s.default !== undefined && s.default !== null ? { default: s.default } : {}),
      ...(Array.isArray(s.options) ? { options: s.options.map(String) } : {}),
    };
  }
  return declared;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
