/**
 * The `onScanResult` trigger type: runs when a finding appears (a code-scanning, Dependabot or
 * secret-scanning alert, another app's failing check run, a scan-result dispatch), filtered by
 * source, check name and severity floor. Its runs see `finding.*`; one alert's many events are
 * one run, and a reopened alert starts a new one.
 */
import type { EventOf } from "../domain/events.js";
import { FINDING_SOURCES } from "../domain/workflow.js";
import { escapeTableCell as cell } from "../domain/text.js";
import { atLeast, effectiveSeverity } from "../events/severity.js";
import { nonEmpty } from "./on-pr.js";
import type { Decision, TriggerDefinition } from "./types.js";

/** Every documented finding field exists in expressions: null when the source does not know it. */
const FINDING_FIELDS = { number: null, package: null, path: null, startLine: null, commit: null, ref: null, url: "" };

type FindingEvent = EventOf<"finding">;

/**
 * Finding events are taken to be "a finding appeared": the handlers build them only for the
 * actions in OPENING_ACTIONS (events/findings.ts), so no action filter is applied here.
 */
export const onScanResult: TriggerDefinition<"onScanResult", "finding"> = {
  type: "onScanResult",
  event: "finding",
  match(config = {}, { finding }): Decision {
    const sources = nonEmpty(config.sources) ?? FINDING_SOURCES;
    if (!sources.includes(finding.source)) return no(`source ${finding.source} is not one of ${sources.join(", ")}`);
    if (finding.source === "checkRun") {
      // Any app's failing check would otherwise start the workflow, our own check runs included.
      const names = nonEmpty(config.checkNames);
      if (!names) return no("check run findings need checkNames, and none are listed");
      if (!names.includes(finding.tool)) return no(`check ${finding.tool} is not one of the checkNames ${names.join(", ")}`);
    }
    const severity = effectiveSeverity(finding, config);
    const min = config.minSeverity ?? "low";
    if (!atLeast(severity, min)) return no(`severity ${severity} is below minSeverity ${min}`);
    return { ok: true };
  },
  variables: ["finding"],
  context: (event) => ({ finding: { ...FINDING_FIELDS, ...event.finding } }),
  // Several events for one alert (created, appeared_in_branch, a hook at org and repo level)
  // are one run; a reopening starts a new one.
  dedupeKey(event, { workflowId, deliveryId }) {
    const episode = /reopen|reintroduced/.test(event.action) ? `reopened@${deliveryId}` : "opened";
    return `finding:${workflowId}:${event.finding.fingerprint}:${episode}`;
  },
  commit: (event) => event.finding.commit,
  subject: (event) => event.finding.fingerprint,
  mayHaveDiscussion: false,
  describe: ({ action, finding }) => ({ kind: "finding", action, source: finding.source, severity: finding.severity, number: finding.number }),
  texts: {
    issueTitle: ({ finding }) => `[${finding.severity}] ${finding.title}`,
    issueBody: findingTable,
    message: ({ finding }, workflow, repository) => `${workflow}: ${finding.severity} ${finding.title} in ${repository} ${finding.url}`.trim(),
  },
};

function findingTable({ finding }: FindingEvent): string[] {
  const lines = ["| | |", "|---|---|", `| Severity | ${finding.severity} |`, `| Source | ${finding.source} (${cell(finding.tool)}) |`, `| Rule | ${cell(finding.rule)} |`];
  if (finding.package) lines.push(`| Package | ${cell(finding.package)} |`);
  if (finding.path) lines.push(`| Location | ${cell(finding.path)}${finding.startLine ? `:${finding.startLine}` : ""} |`);
  if (finding.url) lines.push(`| Alert | ${finding.url} |`);
  return lines;
}

function no(reason: string): Decision {
  return { ok: false, reason };
}
