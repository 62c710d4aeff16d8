/**
 * Webhook payloads → the domain's `Finding`, `PullRequestInfo` and `RepositoryInfo`. Payloads
 * are read as `unknown` through own-property readers: GitHub's shapes vary between github.com
 * and GHES (a GHES secret-scanning alert has no html_url), and a scan-result dispatch is
 * whatever its sender wrote.
 */
import type { PullRequestInfo, RepositoryInfo } from "../domain/events.js";
import type { Finding } from "../domain/finding.js";
import { FINDING_LIMITS } from "./finding-limits.js";
import { compact, display, optionalDisplay, positiveInteger, read, requiredInteger, requiredText, text } from "./payload-read.js";
import { checkRunSeverity, codeScanningSeverity, dependabotSeverity, DEFAULT_SECRET_SCANNING_SEVERITY } from "./severity.js";

export { findingsFromDispatch } from "./dispatch.js";
export { FINDING_LIMITS } from "./finding-limits.js";

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

/** Per alert event, the actions after which the alert no longer needs fixing: what `wait: { for: alertResolved }` waits for. */
export const RESOLVING_ACTIONS = {
  code_scanning_alert: ["fixed", "closed_by_user"],
  dependabot_alert: ["fixed", "dismissed", "auto_dismissed"],
  secret_scanning_alert: ["resolved"],
} as const satisfies Record<string, readonly string[]>;

/** Whether a webhook event and action mean that an alert was fixed, dismissed or resolved. */
export function isResolvingAction(event: string, action: string | undefined): boolean {
  return listed(RESOLVING_ACTIONS, event, action);
}

/** Whether a webhook event and action mean that a finding appeared. */
export function isOpeningAction(event: string, action: string | undefined): boolean {
  return listed(OPENING_ACTIONS, event, action);
}

function listed(table: Readonly<Record<string, readonly string[]>>, event: string, action: string | undefined): boolean {
  return action !== undefined && Object.hasOwn(table, event) && table[event]!.includes(action);
}

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

function alertParts(payload: unknown, event: string): { repoId: number; alert: unknown; number: number } {
  return {
    repoId: requiredInteger(payload, ["repository", "id"], event),
    alert: read(payload, "alert"),
    number: requiredInteger(payload, ["alert", "number"], event),
  };
}
