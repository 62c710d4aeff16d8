/**
 * Schema errors in words: each ajv error becomes a diagnostic at its place in the file, with a
 * message a person can act on (what is missing, unknown, of the wrong type; a suggestion where
 * one is close), never a raw ajv dump.
 */
import type { ErrorObject } from "ajv";
import type { PendingDiagnostic, Suggest } from "./diagnostic-cap.js";
import { fromPointer, toDisplayPath, toPointer } from "../domain/paths.js";
import { closest } from "../domain/suggest.js";
import type { SourceMap } from "./source.js";
import { formHint, synonymHint, typeHint } from "./value-hints.js";

/** ajv's errors by what describe() looks up, so that no error searches all the others. */
interface ErrorIndex {
  /** `instancePath` → the properties reported missing there. */
  missing: Map<string, Set<string>>;
  /** `instancePath` NUL `propertyName` → the failed pattern of a property name. */
  namePatterns: Map<string, ErrorObject>;
  /** `instancePath` → the unknown fields there. */
  extras: Map<string, string[]>;
}

function indexErrors(errors: readonly ErrorObject[]): ErrorIndex {
  const index: ErrorIndex = { missing: new Map(), namePatterns: new Map(), extras: new Map() };
  for (const e of errors) {
    if (e.keyword === "required") {
      let set = index.missing.get(e.instancePath);
      if (!set) index.missing.set(e.instancePath, (set = new Set()));
      set.add(String((e.params as Schema).missingProperty));
    }
    if (e.keyword === "additionalProperties") {
      let list = index.extras.get(e.instancePath);
      if (!list) index.extras.set(e.instancePath, (list = []));
      list.push(String((e.params as Schema).additionalProperty));
    }
    const name = (e as ErrorObject & { propertyName?: string }).propertyName;
    if (e.keyword === "pattern" && name !== undefined) {
      const key = `${e.instancePath}\0${name}`;
      if (!index.namePatterns.has(key)) index.namePatterns.set(key, e);
    }
  }
  return index;
}

type Schema = Record<string, unknown>;

/** What describe() needs besides the error; `paths` caches the typed path and its display per instancePath. */
export interface Context {
  index: ErrorIndex;
  root: unknown;
  map: SourceMap;
  paths: Map<string, { path: Array<string | number>; where: string }>;
}

/** What describe() needs for one validation's errors. */
export function errorContext(errors: readonly ErrorObject[], root: unknown, map: SourceMap): Context {
  return { index: indexErrors(errors), root, map, paths: new Map() };
}

/** One ajv error as a diagnostic with a position and a readable message, or undefined when another error says it better. */
export function describe(e: ErrorObject, { index, root, map, paths }: Context): PendingDiagnostic | undefined {
  let cached = paths.get(e.instancePath);
  if (!cached) {
    const typed = typedPath(root, fromPointer(e.instancePath));
    cached = { path: typed, where: typed.length ? `${toDisplayPath(typed)}: ` : "" };
    paths.set(e.instancePath, cached);
  }
  const { path, where } = cached;
  const parent = (e.parentSchema ?? {}) as Schema;
  const params = e.params as Record<string, unknown>;
  const at = (p: Array<string | number>, message: string | ((suggest: Suggest) => string), key = false): PendingDiagnostic => ({
    severity: "error",
    message,
    pointer: toPointer(p),
    ...map.spanAt(p, key),
  });

  switch (e.keyword) {
    case "discriminator": {
      const tag = String(params.tag);
      const allowed = ((parent.oneOf ?? []) as Schema[]).map((s) => String(((s.properties as Schema)[tag] as Schema).const));
      if (params.error === "mapping") {
        const noun = tag === "kind" ? "action kind" : path.includes("triggers") && path.length === 2 ? "trigger type" : "step type";
        const got = String(params.tagValue);
        return at([...path, tag], (suggest) => `${toDisplayPath([...path, tag])}: unknown ${noun} "${got}"; expected one of ${allowed.join(", ")}${suggest(got, allowed)}`);
      }
      if (index.missing.get(e.instancePath)?.has(tag)) return undefined;
      return at([...path, tag], `${toDisplayPath([...path, tag])}: must be one of ${allowed.join(", ")}`);
    }
    case "required": {
      const missing = String(params.missingProperty);
      // `nmae` for `name`: the unknown-field error names the fix; "missing" would say it twice.
      if (index.extras.get(e.instancePath)?.some((extra) => closest(extra, [missing]) === missing)) return undefined;
      return at(path, `${where}missing required field "${missing}"`);
    }
    case "additionalProperties": {
      const extra = String(params.additionalProperty);
      const known = Object.keys((parent.properties ?? {}) as Schema).filter((k) => k !== "$schema");
      // The typo of a missing required field always says so, whatever the suggestion budget: its "missing" error is left out.
      const required = [...(index.missing.get(e.instancePath) ?? [])].find((m) => closest(extra, [m]) === m);
      const hint = required === undefined ? undefined : ` (did you mean "${required}"?)`;
      return at([...path, extra], (suggest) => `${where}unknown field "${extra}"${hint ?? suggest(extra, known)}; expected one of ${known.join(", ")}`, true);
    }
    case "propertyNames": {
      const name = String(params.propertyName);
      const inner = index.namePatterns.get(`${e.instancePath}\0${name}`);
      const hint = (inner?.parentSchema as Schema | undefined)?.["x-error"] ?? "is not an allowed name";
      return at([...path, name], `${where}"${name}" ${String(hint)}`, true);
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const got = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
      const noun = nounFor(path);
      const synonym = typeof e.data === "string" ? synonymHint(e.data, allowed) : "";
      return at(path, (suggest) => `${where}unknown ${noun} "${got}"; expected one of ${allowed.join(", ")}${synonym || suggest(got, allowed)}`);
    }
    case "const":
      return at(path, `${where}must be ${JSON.stringify(params.allowedValue)}`);
    case "type": {
      const expected = String(params.type).split(",");
      const got = kindOf(e.data);
      const written = map.sourceText(path) ?? String(e.data);
      // Only a correction the field accepts: quoting `30` gives no valid duration.
      const hint = expected.includes("string") && (got === "a number" || got === "true or false") ? typeHint(written, parent) : "";
      return at(path, `${where}must be ${expected.map(article).join(" or ")}, not ${got}${hint}`);
    }
    case "pattern": {
      if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return undefined;
      const hint = (parent["x-error"] as string | undefined) ?? `must match ${String(params.pattern)}`;
      return at(path, `${where}"${String(e.data)}" ${hint}${formHint(String(e.data), parent)}`);
    }
    case "format":
      return at(path, `${where}"${String(e.data)}" ${params.format === "date-time" ? "must be a date and time such as 2026-01-31T09:00:00Z" : `is not a valid ${String(params.format)}`}`);
    case "minItems":
      return at(path, `${where}must have at least ${String(params.limit)} ${Number(params.limit) === 1 ? "entry" : "entries"}`);
    case "maxItems": {
      // The list as written, not as cut for validation.
      const written = valueAt(root, path);
      const length = Array.isArray(written) ? written.length : (e.data as unknown[]).length;
      return at(path, `${where}has ${length} entries; at most ${String(params.limit)} are allowed`);
    }
    case "minLength":
      return at(path, Number(params.limit) === 1 ? `${where}must not be empty` : `${where}must be at least ${String(params.limit)} characters long`);
    case "maxLength":
      return at(path, `${where}is too long (${(e.data as string).length} characters; at most ${String(params.limit)})`);
    case "minimum":
    case "maximum":
      return at(path, `${where}must be ${e.keyword === "minimum" ? "at least" : "at most"} ${String(params.limit)}`);
    case "uniqueItems": {
      const dup = (e.data as unknown[])[Number(params.j)];
      return at([...path, Number(params.i)], `${where}"${String(dup)}" is listed twice`);
    }
    case "minProperties":
      return at(path, `${where}must not be empty`);
    case "maxProperties":
      return at(path, `${where}has too many entries (at most ${String(params.limit)})`);
    case "if":
    case "oneOf":
      // if/then/else and discriminated oneOf report the real problem from the chosen branch.
      return undefined;
    default:
      return at(path, `${where}${e.message ?? "is not valid"}`);
  }
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = root;
  for (const seg of path) node = node && typeof node === "object" ? (node as Record<string | number, unknown>)[seg] : undefined;
  return node;
}

/** Turns pointer segments into keys and indexes, using the value to tell arrays from maps. */
function typedPath(root: unknown, segs: string[]): Array<string | number> {
  const out: Array<string | number> = [];
  let node = root;
  for (const seg of segs) {
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

const NOUNS: Record<string, string> = {
  sources: "finding source",
  actions: "pull request action",
  minSeverity: "severity",
  secretScanningSeverity: "severity",
  for: "wait event",
  type: "input type",
};

/** What an enum value is called in a message: "unknown severity "hgh"". */
function nounFor(path: Array<string | number>): string {
  const last = [...path].reverse().find((s): s is string => typeof s === "string");
  return last === undefined ? "value" : (NOUNS[last] ?? `${last} value`);
}

function article(type: string): string {
  switch (type) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "integer":
      return "a whole number";
    case "boolean":
      return "true or false";
    default:
      return `a ${type}`;
  }
}

function kindOf(v: unknown): string {
  if (v === null) return "null (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "boolean") return "true or false";
  if (typeof v === "number") return "a number";
  return `a ${typeof v}`;
}
