/** The one shape every scan result is normalised to (alerts, check runs, dispatches), with the fingerprint behind "one issue per finding". */
import type { FindingSource, Severity } from "./workflow.js";

/**
 * A normalised scan result. Every source (code scanning, Dependabot, secret scanning, another
 * app's check run, a scan-result repository_dispatch) maps onto this one shape; the mapping
 * lives in src/events/findings.ts.
 */
export interface Finding {
  source: FindingSource;
  severity: Severity;
  /** The rule, advisory (GHSA id) or secret type that fired. */
  rule: string;
  /** The tool that reported it: CodeQL, Dependabot, secret scanning, a check run's app, a dispatcher. */
  tool: string;
  title: string;
  /** Where a person looks at it (the alert's html_url). */
  url: string;
  /** The alert number, for alerts. */
  number?: number;
  /** The affected package, for dependency alerts. */
  package?: string;
  /** The affected file, when known. */
  path?: string;
  startLine?: number;
  /** open, fixed, dismissed, resolved, … as the source says. */
  state: string;
  /** The commit the finding was reported on, when known. */
  commit?: string;
  /** The ref the finding was reported on, when known. */
  ref?: string;
  /** Stable across events for the same alert: the key of "one issue per finding". */
  fingerprint: string;
}
