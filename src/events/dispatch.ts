/**
 * `repository_dispatch` with event type `scan-result`: findings from any scanner. Whatever the
 * sender wrote is checked field by field; a bad entry is skipped with an error naming its JSON
 * pointer, and the answer is bounded however large or hostile the payload.
 */
import { createHash } from "node:crypto";
import type { Finding } from "../domain/finding.js";
import { SEVERITIES } from "../domain/workflow.js";
import { FINDING_LIMITS } from "./finding-limits.js";
import { toPointer, type DocPath } from "../domain/paths.js";
import { compact, display, isRecord, positiveInteger, read, UNSAFE } from "./payload-read.js";
import { isSeverity } from "./severity.js";

/** The findings of a `repository_dispatch` with event type `scan-result`, and an error per bad entry (never throws). */
export function findingsFromDispatch(payload: unknown): { findings: Finding[]; errors: string[] } {
  try {
    return readDispatch(payload);
  } catch {
    // Input parsed from JSON cannot throw here; anything else (a Proxy, a getter) is refused whole.
    return { findings: [], errors: ["/client_payload: could not be read"] };
  }
}

const SHA = /^[0-9a-f]{7,64}$/i;

function readDispatch(payload: unknown): { findings: Finding[]; errors: string[] } {
  const errors: string[] = [];
  let failures = 0;
  // Every failure counts, but only the first hundred are kept: hostile input gets a bounded answer.
  const fail = (path: DocPath, message: string) => {
    if (failures++ < FINDING_LIMITS.maxErrors) errors.push(`${toPointer(path)}: ${message}`);
  };
  const action = read(payload, "action") ?? read(payload, "event_type");
  if (action !== "scan-result") return { findings: [], errors: ['/action: must be "scan-result"'] };
  const repoId = read(payload, "repository", "id");
  if (!Number.isSafeInteger(repoId)) return { findings: [], errors: ["/repository/id: must be an integer"] };
  const cp = read(payload, "client_payload");
  if (!isRecord(cp)) return { findings: [], errors: ["/client_payload: must be an object"] };

  const base = ["client_payload"];
  const tool = optionalField(cp, "tool", [...base, "tool"], FINDING_LIMITS.tool, fail);
  const ref = identity(read(cp, "ref"), [...base, "ref"], FINDING_LIMITS.ref, fail);
  const commitValue = read(cp, "commit");
  let commit: string | undefined;
  if (commitValue !== undefined) {
    if (typeof commitValue === "string" && SHA.test(commitValue)) commit = commitValue.toLowerCase();
    else fail([...base, "commit"], "must be a commit sha (7 to 64 hexadecimal digits)");
  }

  const entries = read(cp, "findings");
  if (!Array.isArray(entries)) return { findings: [], errors: [...errors, "/client_payload/findings: must be an array"] };
  const findings: Finding[] = [];
  for (let i = 0; i < Math.min(entries.length, FINDING_LIMITS.maxDispatchFindings); i++) {
    const before = failures;
    const finding = dispatchEntry(entries[i], [...base, "findings", i], { repoId: repoId as number, tool, commit, ref }, fail);
    // An entry with any bad field is left out whole: a half-read finding could mislead.
    if (finding && failures === before) findings.push(finding);
  }
  if (failures > FINDING_LIMITS.maxErrors) errors.push(`/client_payload/findings: ${failures - FINDING_LIMITS.maxErrors} more errors not shown`);
  if (entries.length > FINDING_LIMITS.maxDispatchFindings) {
    const max = FINDING_LIMITS.maxDispatchFindings;
    errors.push(`/client_payload/findings: at most ${max} findings per dispatch; the first ${max} of ${entries.length} were read`);
  }
  return { findings, errors };
}

type Fail = (path: DocPath, message: string) => void;

interface DispatchDefaults {
  repoId: number;
  tool: string | undefined;
  commit: string | undefined;
  ref: string | undefined;
}

function dispatchEntry(entry: unknown, at: DocPath, defaults: DispatchDefaults, fail: Fail): Finding | undefined {
  if (!isRecord(entry)) {
    fail(at, "must be an object");
    return undefined;
  }
  const severity = read(entry, "severity");
  if (!isSeverity(severity)) fail([...at, "severity"], `must be one of ${SEVERITIES.join(", ")}`);
  const rule = requiredField(entry, "rule", [...at, "rule"], FINDING_LIMITS.rule, fail);
  const title = requiredField(entry, "title", [...at, "title"], FINDING_LIMITS.title, fail);
  const tool = optionalField(entry, "tool", [...at, "tool"], FINDING_LIMITS.tool, fail) ?? defaults.tool ?? "dispatch";
  const path = optionalField(entry, "path", [...at, "path"], FINDING_LIMITS.path, fail);
  const pkg = optionalField(entry, "package", [...at, "package"], FINDING_LIMITS.package, fail);
  const url = httpUrl(read(entry, "url"), [...at, "url"], fail);
  const lineValue = read(entry, "line");
  const line = positiveInteger(lineValue);
  if (lineValue !== undefined && line === undefined) fail([...at, "line"], "must be a positive integer");
  const idValue = read(entry, "id");
  const id = typeof idValue === "number" && Number.isSafeInteger(idValue) ? String(idValue) : identity(idValue, [...at, "id"], FINDING_LIMITS.id, fail);
  if (!isSeverity(severity) || rule === undefined || title === undefined) return undefined;

  // An id is the sender's, so it is scoped by tool (two scanners may both say "1"); without
  // one, the same tool, rule and place is the same finding across dispatches.
  const key = id !== undefined ? `${tool}:${id}` : createHash("sha256").update(JSON.stringify([tool, rule, path ?? null, line ?? null])).digest("hex");
  return compact({
    source: "dispatch",
    severity,
    rule,
    tool,
    title,
    url: url ?? "",
    package: pkg,
    path,
    startLine: line,
    state: "open",
    commit: defaults.commit,
    ref: defaults.ref,
    fingerprint: `dispatch:${defaults.repoId}:${key}`,
  });
}

function requiredField(entry: Record<string, unknown>, key: string, at: DocPath, max: number, fail: Fail): string | undefined {
  const value = read(entry, key);
  const cleaned = typeof value === "string" ? display(value, max) : "";
  if (cleaned === "") fail(at, "must be a non-empty string");
  return cleaned === "" ? undefined : cleaned;
}

function optionalField(entry: Record<string, unknown>, key: string, at: DocPath, max: number, fail: Fail): string | undefined {
  const value = read(entry, key);
  if (value === undefined || value === null) return undefined;
  return requiredField(entry, key, at, max, fail);
}

/** An id or ref: used as a key, so a cut or cleaned copy would be a different one; refused instead. */
function identity(value: unknown, at: DocPath, max: number, fail: Fail): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > max || UNSAFE.test(value)) {
    fail(at, `must be a string of 1 to ${max} characters without control characters`);
    return undefined;
  }
  return value;
}

function httpUrl(value: unknown, at: DocPath, fail: Fail): string | undefined {
  if (value === undefined || value === null) return undefined;
  // Only http(s): the url lands in issue bodies and messages, where javascript: or data: would be a trap.
  if (typeof value === "string" && value.length <= FINDING_LIMITS.url && /^https?:\/\//i.test(value) && URL.canParse(value) && !UNSAFE.test(value)) return value;
  fail(at, `must be an http or https URL of at most ${FINDING_LIMITS.url} characters`);
  return undefined;
}
