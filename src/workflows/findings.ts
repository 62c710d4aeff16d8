/**
 * Webhook payloads → the domain's `Finding`, `PullRequestInfo` and `RepositoryInfo`. Payloads
 * are read as `unknown` through own-property readers: GitHub's shapes vary between github.com
 * and GHES (a GHES secret-scanning alert has no html_url), and a scan-result dispatch is
 * whatever its sender wrote.
 */
import { createHash } from "node:crypto";
import type { PullRequestInfo, RepositoryInfo } from "../domain/events.js";
import type { Finding } from "../domain/finding.js";
import { SEVERITIES } from "../domain/workflow.js";
import { toPointer, type DocPath } from "./paths.js";
import { checkRunSeverity, codeScanningSeverity, dependabotSeverity, DEFAULT_SECRET_SCANNING_SEVERITY, isSeverity } from "./severity.js";

/** Per webhook event, the actions that mean "a finding appeared": the ones that start onScanResult. */
export const OPENING_ACTIONS = {
  code_scanning_alert: ["created", "reopened", "reopened_by_user", "appeared_in_branch"],
  dependabot_alert: ["created", "reopened", "auto_reopened", "reintroduced"],
  secret_scanning_alert: ["created", "reopened", "publicly_leaked"],
  // Only a completed check has a conclusion; `rerequested` repeats an old one.
  check_run: ["completed"],
  // A repository_dispatch's `action` is the sender's event_type.
  repository_dispatch: ["scan-result"],
} as const satisfies Record<string, readonly string[]>;

/** Whether a webhook event and action mean that a finding appeared. */
export function isOpeningAction(event: string, action: string | undefined): boolean {
  if (action === undefined || !Object.hasOwn(OPENING_ACTIONS, event)) return false;
  return (OPENING_ACTIONS[event as keyof typeof OPENING_ACTIONS] as readonly string[]).includes(action);
}

/** Caps on text copied into a finding: display strings are cut, identities are refused when too long. */
export const FINDING_LIMITS = {
  maxDispatchFindings: 100,
  maxErrors: 100,
  title: 1000,
  rule: 256,
  tool: 100,
  path: 1024,
  package: 256,
  id: 256,
  ref: 256,
  url: 2048,
} as const;

/** A finding from a `code_scanning_alert` webhook. */
export function findingFromCodeScanningAlert(payload: unknown): Finding {
  const { repoId, alert, number } = alertParts(payload, "code_scanning_alert");
  const rule = read(alert, "rule");
  const instance = read(alert, "most_recent_instance");
  const ruleId = text(read(rule, "id")) ?? text(read(rule, "name")) ?? "unknown";
  return compact({
    source: "codeScanning",
    severity: codeScanningSeverity(read(rule, "security_severity_level"), read(rule, "severity")),
    rule: display(ruleId, FINDING_LIMITS.rule),
    tool: display(text(read(alert, "tool", "name")) ?? "code scanning", FINDING_LIMITS.tool),
    title: display(text(read(rule, "description")) ?? text(read(rule, "name")) ?? ruleId, FINDING_LIMITS.title),
    url: text(read(alert, "html_url")) ?? "",
    number,
    path: optionalDisplay(read(instance, "location", "path"), FINDING_LIMITS.path),
    startLine: positiveInteger(read(instance, "location", "start_line")),
    state: text(read(alert, "state")) ?? "open",
    // The top-level values are empty when a person closed or reopened the alert.
    commit: text(read(payload, "commit_oid")) ?? text(read(instance, "commit_sha")),
    ref: text(read(payload, "ref")) ?? text(read(instance, "ref")),
    fingerprint: `codeScanning:${repoId}:${number}`,
  });
}

/** A finding from a `dependabot_alert` webhook. */
export function findingFromDependabotAlert(payload: unknown): Finding {
  const { repoId, alert, number } = alertParts(payload, "dependabot_alert");
  const advisory = read(alert, "security_advisory");
  const vulnerability = read(alert, "security_vulnerability");
  const ghsa = text(read(advisory, "ghsa_id")) ?? text(read(advisory, "cve_id")) ?? "unknown";
  return compact({
    source: "dependabot",
    severity: dependabotSeverity(read(advisory, "severity"), read(vulnerability, "severity")),
    rule: display(ghsa, FINDING_LIMITS.rule),
    tool: "Dependabot",
    title: display(text(read(advisory, "summary")) ?? ghsa, FINDING_LIMITS.title),
    url: text(read(alert, "html_url")) ?? "",
    number,
    package: optionalDisplay(read(vulnerability, "package", "name") ?? read(alert, "dependency", "package", "name"), FINDING_LIMITS.package),
    path: optionalDisplay(read(alert, "dependency", "manifest_path"), FINDING_LIMITS.path),
    state: text(read(alert, "state")) ?? "open",
    fingerprint: `dependabot:${repoId}:${number}`,
  });
}

/** A finding from a `secret_scanning_alert` webhook; the secret itself is never copied. */
export function findingFromSecretScanningAlert(payload: unknown): Finding {
  const { repoId, alert, number } = alertParts(payload, "secret_scanning_alert");
  const secretType = text(read(alert, "secret_type")) ?? "unknown";
  const repoUrl = text(read(payload, "repository", "html_url"));
  return compact({
    source: "secretScanning",
    severity: DEFAULT_SECRET_SCANNING_SEVERITY,
    rule: display(secretType, FINDING_LIMITS.rule),
    tool: "secret scanning",
    title: display(text(read(alert, "secret_type_display_name")) ?? secretType, FINDING_LIMITS.title),
    // GHES payloads lack html_url; the alert page's address is fixed by the repository's.
    url: text(read(alert, "html_url")) ?? (repoUrl ? `${repoUrl}/security/secret-scanning/${number}` : ""),
    number,
    state: text(read(alert, "state")) ?? (text(read(alert, "resolution")) ? "resolved" : "open"),
    fingerprint: `secretScanning:${repoId}:${number}`,
  });
}

/** A finding from another app's completed `check_run`, or undefined when its conclusion means nothing was found. */
export function findingFromCheckRun(payload: unknown): Finding | undefined {
  const repoId = requiredInteger(payload, ["repository", "id"], "check_run");
  const run = read(payload, "check_run");
  const conclusion = text(read(run, "conclusion"));
  const severity = checkRunSeverity(conclusion);
  if (!severity || !conclusion) return undefined;
  const name = requiredText(payload, ["check_run", "name"], "check_run");
  const headSha = requiredText(payload, ["check_run", "head_sha"], "check_run");
  const outputTitle = text(read(run, "output", "title"));
  const branch = text(read(run, "check_suite", "head_branch"));
  return compact({
    source: "checkRun",
    severity,
    // The check is both the tool and the rule: checkNames filters on the tool.
    rule: display(name, FINDING_LIMITS.rule),
    tool: display(name, FINDING_LIMITS.tool),
    title: display(outputTitle ? `${name}: ${outputTitle}` : `${name} concluded ${conclusion}`, FINDING_LIMITS.title),
    url: text(read(run, "html_url")) ?? "",
    state: conclusion,
    commit: headSha,
    ref: branch ? `refs/heads/${branch}` : undefined,
    fingerprint: `checkRun:${repoId}:${name}:${headSha}`,
  });
}

/** The findings of a `repository_dispatch` with event type `scan-result`, and an error per bad entry (never throws). */
export function findingsFromDispatch(payload: unknown): { findings: Finding[]; errors: string[] } {
  try {
    return readDispatch(payload);
  } catch {
    // Input parsed from JSON cannot throw here; anything else (a Proxy, a getter) is refused whole.
    return { findings: [], errors: ["/client_payload: could not be read"] };
  }
}

/** The pull request of a `pull_request` webhook, as expressions and triggers see it. */
export function pullRequestInfo(payload: unknown): PullRequestInfo {
  const pr = ["pull_request"];
  const labels = read(payload, "pull_request", "labels");
  return {
    number: requiredInteger(payload, [...pr, "number"], "pull_request"),
    title: text(read(payload, ...pr, "title")) ?? "",
    author: text(read(payload, ...pr, "user", "login")) ?? "",
    baseRef: requiredText(payload, [...pr, "base", "ref"], "pull_request"),
    headRef: text(read(payload, ...pr, "head", "ref")) ?? "",
    headSha: requiredText(payload, [...pr, "head", "sha"], "pull_request"),
    labels: Array.isArray(labels) ? labels.map((l) => text(read(l, "name"))).filter((l): l is string => l !== undefined) : [],
    draft: read(payload, ...pr, "draft") === true,
    url: text(read(payload, ...pr, "html_url")) ?? "",
  };
}

/** The repository a webhook happened in. */
export function repositoryInfo(payload: unknown): RepositoryInfo {
  const owner = requiredText(payload, ["repository", "owner", "login"], "webhook");
  const name = requiredText(payload, ["repository", "name"], "webhook");
  return {
    id: requiredInteger(payload, ["repository", "id"], "webhook"),
    owner,
    name,
    fullName: text(read(payload, "repository", "full_name")) ?? `${owner}/${name}`,
    // Required, not guessed: workflows are read from this branch.
    defaultBranch: requiredText(payload, ["repository", "default_branch"], "webhook"),
    url: text(read(payload, "repository", "html_url")) ?? "",
  };
}

// ---- repository_dispatch -------------------------------------------------------------------

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

// ---- readers -------------------------------------------------------------------------------

/** C0/C1 controls (newlines included: these are one-line fields), bidi overrides, lone surrogates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

/** One-line display text: cut to `max` characters first (so a huge string costs no more than a short one), then cleaned. */
function display(value: string, max: number): string {
  let s = value;
  if (s.length > max) {
    let end = max - 1;
    const code = s.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--; // keep surrogate pairs whole
    s = s.slice(0, end) + "…";
  }
  return s.replace(UNSAFE_ALL, " ").trim();
}

function optionalDisplay(value: unknown, max: number): string | undefined {
  const s = text(value);
  return s === undefined ? undefined : display(s, max) || undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Walks own properties only: a key like `__proto__` or `constructor` never reaches Object.prototype. */
function read(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** A non-empty string, or undefined (GitHub sends "" and null for "none"). */
function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function requiredInteger(payload: unknown, path: string[], event: string): number {
  const value = read(payload, ...path);
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new Error(`${event} payload: ${toPointer(path)} must be an integer`);
  return value;
}

function requiredText(payload: unknown, path: string[], event: string): string {
  const value = text(read(payload, ...path));
  if (value === undefined) throw new Error(`${event} payload: ${toPointer(path)} must be a non-empty string`);
  return value;
}

function alertParts(payload: unknown, event: string): { repoId: number; alert: unknown; number: number } {
  return {
    repoId: requiredInteger(payload, ["repository", "id"], event),
    alert: read(payload, "alert"),
    number: requiredInteger(payload, ["alert", "number"], event),
  };
}

/** Drops undefined optional fields, so a finding stores and compares as exactly what was known. */
function compact(finding: Finding): Finding {
  return Object.fromEntries(Object.entries(finding).filter(([, v]) => v !== undefined)) as unknown as Finding;
}
