/**
 * The one place where a source's own severity words become ours. Every finding goes through
 * these tables, so "high" means the same thing whichever scanner said it.
 */
import type { Finding } from "../domain/finding.js";
import type { OnScanResultConfig, Severity } from "../domain/workflow.js";
import { SEVERITIES } from "../domain/workflow.js";

/** Source words → our severity. `null` in the check-run table means "no finding". */
export const SEVERITY_TABLE = {
  /** Code scanning `rule.security_severity_level` (the REST alert has it, the webhook usually not). */
  codeScanningSecurityLevel: { low: "low", medium: "medium", high: "high", critical: "critical" },
  /** Code scanning `rule.severity`, used when there is no security severity level. */
  codeScanningRule: { error: "high", warning: "medium", note: "low", none: "low" },
  /** Dependabot `security_advisory.severity`; `moderate` is the advisory database's older word. */
  dependabot: { low: "low", medium: "medium", moderate: "medium", high: "high", critical: "critical" },
  /** Check run `conclusion` of another app's check. */
  checkRunConclusion: {
    failure: "high",
    action_required: "high",
    neutral: "low",
    success: null,
    skipped: null,
    cancelled: null,
    timed_out: null,
    stale: null,
  },
} as const satisfies Record<string, Record<string, Severity | null>>;

/** Secret-scanning alerts carry no severity: a leaked secret is treated as critical unless a trigger says otherwise. */
export const DEFAULT_SECRET_SCANNING_SEVERITY: Severity = "critical";

/**
 * What a source gives when its word is missing or one we do not know. Low, so an unknown word
 * never escalates; GitHub's own "none"/null maps to low too.
 */
const FALLBACK: Severity = "low";

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Orders severities low < medium < high < critical: negative, zero or positive, like a sort comparator. */
export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[a] - RANK[b];
}

/** Whether `severity` is at or above `min`. */
export function atLeast(severity: Severity, min: Severity): boolean {
  return compareSeverity(severity, min) >= 0;
}

/** Whether a value is one of our four severity words (exactly, lower case). */
export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/** A code scanning alert's severity: `security_severity_level` when present, else `rule.severity`. */
export function codeScanningSeverity(securitySeverityLevel: unknown, ruleSeverity: unknown): Severity {
  return lookup(SEVERITY_TABLE.codeScanningSecurityLevel, securitySeverityLevel) ?? lookup(SEVERITY_TABLE.codeScanningRule, ruleSeverity) ?? FALLBACK;
}

/** A Dependabot alert's severity, from the advisory's (or the vulnerability's) severity word. */
export function dependabotSeverity(advisorySeverity: unknown, vulnerabilitySeverity?: unknown): Severity {
  return lookup(SEVERITY_TABLE.dependabot, advisorySeverity) ?? lookup(SEVERITY_TABLE.dependabot, vulnerabilitySeverity) ?? FALLBACK;
}

/** A completed check run's severity, or undefined when its conclusion means nothing was found. */
export function checkRunSeverity(conclusion: unknown): Severity | undefined {
  // Unknown conclusions (and null: not completed yet) make no finding rather than a guessed one.
  return lookup(SEVERITY_TABLE.checkRunConclusion, conclusion) ?? undefined;
}

/** The severity a trigger compares with its `minSeverity`: secret scanning takes the trigger's `secretScanningSeverity`. */
export function effectiveSeverity(finding: Pick<Finding, "source" | "severity">, config?: OnScanResultConfig): Severity {
  if (finding.source === "secretScanning" && config?.secretScanningSeverity) return config.secretScanningSeverity;
  return finding.severity;
}

/** The scales whose words a person might write for a severity, named as a hint names them. */
const SYNONYM_SCALES = [
  ["Dependabot", SEVERITY_TABLE.dependabot],
  ["code scanning", SEVERITY_TABLE.codeScanningRule],
] as const;

/**
 * Our severity for a word another of GitHub's scales uses (Dependabot's "moderate", code
 * scanning's "warning"), for hints on a workflow's severity fields; undefined for our own four
 * words (in any case) and for words no scale uses.
 */
export function severitySynonym(word: string): { severity: Severity; scale: string } | undefined {
  if (isSeverity(word.trim().toLowerCase())) return undefined;
  for (const [scale, table] of SYNONYM_SCALES) {
    const severity = lookup<Severity>(table, word);
    if (severity !== undefined) return { severity, scale };
  }
  return undefined;
}

function lookup<V>(table: Readonly<Record<string, V>>, word: unknown): V | undefined {
  if (typeof word !== "string") return undefined;
  const key = word.trim().toLowerCase();
  // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
