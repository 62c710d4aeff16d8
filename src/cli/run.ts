/**
 * `governance run --dry-run`: delivers a webhook payload, a manual request or a schedule's
 * ticks to a local workflow folder as the app would, against a recording stand-in for GitHub,
 * and prints what would happen.
 */
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { Delivery } from "../domain/events.js";
import type { LoadedFolder } from "../engine/workflow-source.js";
import { findWorkflow, manualConfig } from "../triggers/find-workflow.js";
import { resolveInputs } from "../triggers/inputs.js";
import { eventDelivery, LOCAL_REPOSITORY, manualDelivery, parseEvent, parseInputs, parseTime, payloadRepository, readPayload, scheduleDeliveries, unevaluatedPaths } from "./dry-run-input.js";
import { DryRunSession } from "./dry-run-session.js";
import { EXIT, UsageError, UserError, type CliIO } from "./io.js";
import { parseFlags } from "./parse-flags.js";
import { printDryRun } from "./run-report.js";
import { loadConfig } from "./user-error.js";

export const RUN_USAGE = `Usage: governance run --event <name>[.<action>] --payload <file.json> [--workflows <dir>] --dry-run [--format text|json]
       governance run --manual <workflow> [--input key=value]... [--payload <file.json>] --dry-run
       governance run --schedule [--at <time>] [--payload <file.json>] --dry-run

Delivers a webhook payload to the workflows in <dir> (default .governance/) as the app would,
against a recording stand-in for GitHub: no network. Prints, per matched workflow, the step
trace, the calls it would make and the check run it would post.

Options:
  --event <name>[.<action>]  the webhook event, e.g. code_scanning_alert.created
                             (the action defaults to the payload's "action")
  --payload <file>           the webhook payload (JSON)
  --workflows <dir>          the workflow folder (default .governance)
  --changed-files <a,b,...>  files the pull request changes, for onPR "paths" filters
                             (without it, a paths filter matches no file)
  --manual <workflow>        start a workflow with a manual trigger (by name, file or id)
  --input key=value          an input of the manual run (repeatable)
  --schedule                 fire every onSchedule trigger, each at its latest tick at or
                             before --at
  --at <time>                the time the scheduler looks at (ISO 8601; default now)
  --approve | --reject       answer every approval step (default: leave them waiting)
  --remediation success|failure
                             how each workflow a runRemediation step dispatches ends
                             (default: leave it waiting)
  --dry-run                  required: run against the recording stand-in
  --format text|json         output format (default text)
  -h, --help                 show this help

Exit status: 0 every run succeeded, waits for an approval, or nothing matched; 1 a run failed;
2 a usage error, an unknown event, or a payload, folder or GOVERNANCE_CONFIG that cannot be used.`;

const FLAGS = {
  event: { type: "string" },
  payload: { type: "string" },
  workflows: { type: "string", default: ".governance" },
  "changed-files": { type: "string" },
  "dry-run": { type: "boolean" },
  manual: { type: "string" },
  input: { type: "string", multiple: true },
  schedule: { type: "boolean" },
  at: { type: "string" },
  approve: { type: "boolean" },
  remediation: { type: "string" },
  reject: { type: "boolean" },
  format: { type: "string", default: "text" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseFlags<{ args: string[]; options: typeof FLAGS }>>["values"];

/** `governance run`: try workflows offline against a webhook payload, a manual request or a schedule's tick. */
export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags({ args, options: FLAGS });
  if (values.help) {
    io.stdout.write(RUN_USAGE + "\n");
    return EXIT.ok;
  }
  const format = checkFlags(values);
  const payload = values.payload ? await readPayload(resolvePath(io.cwd, values.payload), values.payload) : undefined;
  const folder = await checkFolder(io.cwd, values.workflows);
  const env = io.env ?? process.env;
  const config = loadConfig(env);
  const configured = Object.keys(config.notify.channels);
  const changedFiles = values["changed-files"]?.split(",").map((s) => s.trim()).filter(Boolean);
  const session = new DryRunSession({
    folder,
    changedFiles,
    // Without an operator configuration every channel is taken as configured, to show the message.
    channels: env.GOVERNANCE_CONFIG ? (c) => configured.includes(c) : undefined,
    // With one, a script it does not list makes the workflow invalid, as in the app.
    ...(env.GOVERNANCE_CONFIG ? { scripts: new Set(Object.keys(config.scripts?.commands ?? {})) } : {}),
    approval: values.approve ? "approve" : values.reject ? "reject" : undefined,
    remediation: remediationFlag(values.remediation),
  });
  const plan = await planDeliveries(values, payload, session, io.cwd);
  if (!plan.loaded) return printDryRun(io, format, { runs: [], otherCalls: [], files: [], warnings: plan.warnings, hints: [], message: plan.nothing });
  const hints = changedFiles ? [] : pathsHints(await unevaluatedPaths(plan.loaded.workflows, plan.deliveries));
  const outcome = await session.run(plan.deliveries);
  return printDryRun(io, format, { ...outcome, files: plan.loaded.files, warnings: plan.warnings, hints, ...(outcome.runs.length === 0 ? { message: plan.nothing } : {}) });
}

/** The flags that go together, and those that must be there; returns the output format. */
function checkFlags(values: Flags): "text" | "json" {
  const modes = [values.event && "--event", values.manual && "--manual", values.schedule && "--schedule"].filter(Boolean);
  if (modes.length === 0) throw new UsageError("--event", "required (for example --event code_scanning_alert.created), or --manual <workflow>, or --schedule");
  if (modes.length > 1) throw new UsageError(modes[1] as string, `give one of --event, --manual and --schedule, not ${modes.join(" and ")}`);
  if (values.event && !values.payload) throw new UsageError("--payload", "required with --event: a webhook payload as JSON");
  if (values.at !== undefined && !values.schedule) throw new UsageError("--at", "only goes with --schedule");
  if (values.input && !values.manual) throw new UsageError("--input", "only goes with --manual");
  if (values.approve && values.reject) throw new UsageError("--reject", "give --approve or --reject, not both");
  if (!values["dry-run"]) throw new UsageError("--dry-run", "required: running against GitHub from the command line is not supported yet");
  if (values.format !== "text" && values.format !== "json") throw new UsageError("--format", `unknown format "${values.format}"; expected text or json`);
  // Checked now, before anything is read.
  if (values.event) parseEvent(values.event);
  if (values.at !== undefined) parseTime(values.at);
  parseInputs(values.input ?? []);
  return values.format;
}

interface Plan {
  deliveries: Delivery[];
  /** The folder the workflows came from; undefined when the event starts nothing (nothing was read). */
  loaded?: LoadedFolder;
  warnings: string[];
  /** What to say when no run comes of it. */
  nothing: string;
}

/** The deliveries the app would record: for the event, the manual request, or each schedule's tick. */
async function planDeliveries(values: Flags, payload: Record<string, unknown> | undefined, session: DryRunSession, cwd: string): Promise<Plan> {
  const now = new Date();
  if (values.event) {
    const event = parseEvent(values.event);
    const mapped = eventDelivery(event.name, event.action, payload!, values.payload!, now);
    if (!mapped.delivery) return { deliveries: [], warnings: mapped.warnings, nothing: `Nothing to do: ${mapped.skipped ?? "the event starts no workflow"}.` };
    const action = mapped.delivery.action ? `.${mapped.delivery.action}` : "";
    const loaded = await loadFolder(session, mapped.delivery.repository, cwd);
    return { deliveries: [mapped.delivery], loaded, warnings: mapped.warnings, nothing: `No workflow in ${values.workflows} matched ${event.name}${action}.` };
  }
  const repository = payloadRepository(payload, values.payload);
  const loaded = await loadFolder(session, repository, cwd);
  if (values.manual) {
    // Said here, with exit status 2; the app answers the same mistakes with a comment.
    const found = findWorkflow(values.manual, loaded.workflows);
    if (!found.ok) throw new UserError("--manual", found.message);
    const inputs = parseInputs(values.input ?? []);
    const resolved = resolveInputs(manualConfig(found.match.workflow)?.inputs, inputs);
    if (!resolved.ok) throw new UserError("--input", resolved.errors.join("; "));
    const delivery = manualDelivery(values.manual, inputs, repository, payload ?? { repository: LOCAL_REPOSITORY }, now);
    return { deliveries: [delivery], loaded, warnings: [], nothing: `No run of ${values.manual} was made.` };
  }
  const at = values.at === undefined ? now : parseTime(values.at);
  const ticks = scheduleDeliveries(loaded.workflows, repository, at, now);
  return { deliveries: ticks.deliveries, loaded, warnings: ticks.notes, nothing: `No workflow in ${values.workflows} has an onSchedule trigger with a tick at or before ${at.toISOString()}.` };
}

function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** The workflow folder: it must be a folder the dry run can list. */
async function checkFolder(cwd: string, shown: string): Promise<string> {
  const folder = resolvePath(cwd, shown);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) throw new UserError(shown, "no such folder (--workflows)");
  await readdir(folder).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(shown, `cannot read the folder: ${err.code ?? err.message}`);
  });
  return folder;
}

/** Loads the folder as the app loads the default branch's; a file that cannot be read is the user's to fix. */
async function loadFolder(session: DryRunSession, repository: Delivery["repository"], cwd: string): Promise<LoadedFolder> {
  try {
    return await session.source.load(session.github, repository, repository.defaultBranch);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === "string" && typeof e.path === "string") throw new UserError(relative(cwd, e.path) || e.path, `cannot read the file: ${e.code}`);
    throw err;
  }
}

function pathsHints(found: Array<{ path: string; paths: string[] }>): string[] {
  return found.map(
    ({ path, paths }) =>
      `${path}: the onPR paths filter (${paths.join(", ")}) was not evaluated: without --changed-files the pull request is taken to change no files, so it did not match; pass the files the pull request changes with --changed-files <file>,<file>`,
  );
}

/** `--remediation success|failure`. */
function remediationFlag(value: string | undefined): "success" | "failure" | undefined {
  if (value === undefined) return undefined;
  if (value === "success" || value === "failure") return value;
  throw new UsageError("--remediation", `"${value.slice(0, 40)}": expected success or failure`);
}
