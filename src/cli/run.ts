import { readFile, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ACTIONS } from "../actions/index.js";
import { loadOperatorConfig } from "../config/operator-config.js";
import { formatDiagnostic } from "../domain/diagnostic.js";
import { silentLogger, type Store } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import { skipWaits, type DryRunApproval } from "../engine/dry-run.js";
import { engineJobs } from "../engine/jobs.js";
import { runJob } from "../engine/runner.js";
import { WorkflowSource } from "../engine/workflow-source.js";
import { checkRunReporter } from "../github/check-reporter.js";
import { RecordingGitHub, RecordingNotifier, type RecordedCall } from "../github/recording-port.js";
import { renderRunCheck } from "../github/render-run.js";
import { toDelivery } from "../handlers/delivery.js";
import { findWorkflow, manualConfig } from "../workflows/find-workflow.js";
import { repositoryInfo } from "../workflows/findings.js";
import { resolveInputs } from "../workflows/inputs.js";
import { Worker } from "../queue/worker.js";
import { openStore } from "../store/open-store.js";
import type { WorkflowFile } from "../workflows/index.js";
import { EXIT, UsageError, type CliIO } from "./io.js";

export const RUN_USAGE = `Usage: governance run --event <name>[.<action>] --payload <file.json> [--workflows <dir>] --dry-run [--format text|json]
       governance run --manual <workflow> [--input key=value]... [--payload <file.json>] --dry-run

Delivers a webhook payload to the workflows in <dir> (default .governance/) as the app would,
against a recording stand-in for GitHub: no network. Prints, per matched workflow, the step
trace, the calls it would make and the check run it would post.

Options:
  --event <name>[.<action>]  the webhook event, e.g. code_scanning_alert.created
                             (the action defaults to the payload's "action")
  --payload <file>           the webhook payload (JSON)
  --workflows <dir>          the workflow folder (default .governance)
  --changed-files <a,b,...>  files the pull request changes, for onPR "paths" filters
  --manual <workflow>        start a workflow with a manual trigger (by name, file or id)
  --input key=value          an input of the manual run (repeatable)
  --approve | --reject       answer every approval step (default: leave them waiting)
  --dry-run                  required: run against the recording stand-in
  --format text|json         output format (default text)
  -h, --help                 show this help

Exit status: 0 every run succeeded or nothing matched, 1 a run failed, 2 usage error or
unreadable payload.`;

interface RunReport {
  workflow: string;
  path: string;
  status: Run["status"];
  steps: Array<{ id: string; status: string; outcome?: string; note?: string; action?: { kind: string; parameters: Record<string, unknown> }; outputs?: Record<string, unknown>; error?: string }>;
  calls: RecordedCall[];
  checkRun: { name: string; conclusion: string | null; title: string; summary: string };
}

/** `governance run`: try workflows offline against a real webhook payload. */
export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      event: { type: "string" },
      payload: { type: "string" },
      workflows: { type: "string", default: ".governance" },
      "changed-files": { type: "string" },
      "dry-run": { type: "boolean" },
      manual: { type: "string" },
      input: { type: "string", multiple: true },
      approve: { type: "boolean" },
      reject: { type: "boolean" },
      format: { type: "string", default: "text" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(RUN_USAGE + "\n");
    return EXIT.ok;
  }
  if (!values.event && !values.manual) throw new UsageError("--event is required (for example --event code_scanning_alert.created), or --manual <workflow>");
  if (values.event && values.manual) throw new UsageError("give --event or --manual, not both");
  if (!values.payload && !values.manual) throw new UsageError("--payload is required: a webhook payload as JSON");
  if (values.approve && values.reject) throw new UsageError("give --approve or --reject, not both");
  if (!values["dry-run"]) throw new UsageError("only --dry-run is available: running against GitHub from the command line is not supported yet");
  if (values.format !== "text" && values.format !== "json") throw new UsageError(`unknown format "${values.format}"; expected text or json`);

  const [eventName, action] = values.manual ? ["manual", undefined] : (values.event!.split(".", 2) as [string, string | undefined]);
  const payload = values.payload ? await readPayload(resolvePath(io.cwd, values.payload), values.payload) : { repository: LOCAL_REPOSITORY };
  if (action !== undefined) payload.action = action;
  // Example payloads often lack the installation the app always gets; the stand-in needs none.
  payload.installation ??= { id: 0 };
  const folder = resolvePath(io.cwd, values.workflows);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${values.workflows}: no such folder`);

  const config = loadOperatorConfig(process.env);
  const configured = Object.keys(config.notify.channels);
  const github = new RecordingGitHub(folder, values["changed-files"]?.split(",").map((s) => s.trim()).filter(Boolean));
  // Without an operator configuration every channel is taken as configured, to show the message.
  const notifier = new RecordingNotifier(process.env.GOVERNANCE_CONFIG ? (c) => configured.includes(c) : undefined);
  const clock = { now: () => new Date() };
  const { delivery, skipped, warnings } = values.manual
    ? manualDelivery(values.manual, parseInputs(values.input ?? []), payload, clock.now())
    : toDelivery({ id: "dry-run", name: eventName, payload }, clock.now());
  const store = await openStore("sqlite::memory:");
  try {
    if (!delivery) return report(io, values.format, [], [], `Nothing to do: ${skipped ?? "the event starts no workflow"}.`, warnings);
    const source = new WorkflowSource();
    const loaded = await source.load(github, delivery.repository, delivery.repository.defaultBranch);
    if (values.manual) {
      // Said here, with exit status 2; the app answers the same mistakes with a comment.
      const found = findWorkflow(values.manual, loaded.workflows);
      if (!found.ok) throw new UsageError(found.message);
      const inputs = resolveInputs(manualConfig(found.match.workflow)?.inputs, parseInputs(values.input ?? []));
      if (!inputs.ok) throw new UsageError(inputs.errors.join("; "));
    }
    await store.acceptDelivery(delivery);
    const worker = new Worker({
      store,
      log: silentLogger,
      handlers: engineJobs({
        store,
        clock,
        log: silentLogger,
        source,
        notifier,
        actions: ACTIONS,
        githubFor: async () => github,
        reportValidation: async () => {},
        reporterFor: (gh, d) => checkRunReporter(gh, d.repository, { store, clock }),
      }),
    });
    await worker.drain();
    const notes = await skipForward(store, worker, values.approve ? "approve" : values.reject ? "reject" : undefined, clock);
    const runs = await collectRuns(store, github, notifier, notes);
    const none = runs.length === 0 ? `No workflow in ${values.workflows} matched ${delivery.event}${delivery.action ? `.${delivery.action}` : ""}.` : undefined;
    return report(io, values.format, runs, loaded.files, none, warnings);
  } finally {
    await store.close();
  }
}

function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

async function readPayload(path: string, shown: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the payload ${shown}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the payload ${shown} is not valid JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`the payload ${shown} must be a JSON object`);
  return value as Record<string, unknown>;
}

async function collectRuns(store: Store, github: RecordingGitHub, notifier: RecordingNotifier, notes: Record<string, Record<string, string>>): Promise<RunReport[]> {
  const runs = (await store.listRuns({ limit: 500 })).reverse();
  const calls = [...github.calls.filter((c) => c.kind === "createIssue" || c.kind === "createComment"), ...notifier.calls];
  return Promise.all(
    runs.map(async (listed) => {
      const run = (await store.getRun(listed.id)) ?? listed;
      const view = renderRunCheck(run);
      return {
        workflow: run.workflowName,
        path: run.workflowPath,
        status: run.status,
        steps: run.steps.map((s) => ({
          id: s.stepId,
          status: s.status,
          ...(s.kind ? { action: { kind: s.kind, parameters: s.parameters ?? {} } } : {}),
          ...(s.outcome ? { outcome: s.outcome } : {}),
          ...(notes[run.id]?.[s.stepId] ? { note: notes[run.id]![s.stepId] } : {}),
          ...(s.outputs ? { outputs: s.outputs } : {}),
          ...(s.error ? { error: s.error } : {}),
        })),
        // Calls are not tied to runs by the stand-in; with one run (the usual case) they are its own.
        calls: runs.length === 1 ? calls : [],
        checkRun: { name: view.name, conclusion: view.conclusion ?? null, title: view.title, summary: view.summary },
      };
    }),
  );
}

function report(io: CliIO, format: string | undefined, runs: RunReport[], files: WorkflowFile[], none: string | undefined, warnings: string[]): number {
  if (format === "json") {
    io.stdout.write(
      JSON.stringify(
        {
          runs: runs.map((r) => ({ workflow: r.workflow, status: r.status, steps: r.steps, calls: r.calls, checkRun: r.checkRun })),
          ...(none ? { message: none } : {}),
          ...(warnings.length ? { warnings } : {}),
          invalidFiles: files.filter((f) => !f.workflow).map((f) => ({ path: f.path, errors: f.diagnostics })),
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    for (const w of warnings) io.stdout.write(`warning: ${w}\n`);
    for (const f of files) for (const d of f.diagnostics) io.stdout.write(formatDiagnostic(f.path, d) + (f.workflow ? "\n" : " (file skipped)\n"));
    if (none) io.stdout.write(none + "\n");
    for (const r of runs) io.stdout.write(describeRun(r));
  }
  // A run still waiting (an approval nobody answered) has not failed.
  return runs.some((r) => r.status === "failed" || r.status === "cancelled") ? EXIT.failed : EXIT.ok;
}

const MARK: Record<string, string> = { succeeded: "✓", failed: "✗", skipped: "-", running: "…", pending: "…", waiting: "⏸", cancelled: "⏹" };

function describeRun(r: RunReport): string {
  const lines = [``, `${r.workflow} (${r.path}): ${r.status}`];
  for (const s of r.steps) {
    const outcome = s.outcome && !s.outcome.startsWith("case") ? ` → ${s.outcome}` : "";
    lines.push(`  ${MARK[s.status] ?? "?"} ${s.id}${s.action ? ` ${s.action.kind} ${JSON.stringify(s.action.parameters)}` : ""}${outcome}${s.note ? ` (${s.note})` : ""}${s.error ? `: ${s.error}` : ""}`);
  }
  if (r.calls.length > 0) {
    lines.push("  would call:");
    for (const c of r.calls) lines.push(`    ${c.kind} ${c.target} ${JSON.stringify(c.details)}`);
  }
  lines.push(`  check run "${r.checkRun.name}": ${r.checkRun.conclusion ?? "in progress"}: ${r.checkRun.title}`);
  lines.push(...r.checkRun.summary.split("\n").map((l) => `    ${l}`));
  return lines.join("\n") + "\n";
}

/** The repository a manual dry run pretends to be in when no payload names one. */
const LOCAL_REPOSITORY = { id: 0, name: "repository", full_name: "local/repository", owner: { login: "local" }, default_branch: "main", html_url: "https://github.com/local/repository" };

/** `--input key=value` → a map; a repeated key or a missing `=` is a usage error. */
function parseInputs(items: string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`--input ${item}: expected key=value`);
    const key = item.slice(0, eq);
    if (key in inputs) throw new UsageError(`--input ${key} is given twice`);
    inputs[key] = item.slice(eq + 1);
  }
  return inputs;
}

/** The delivery a `/governance run` comment would make, for the CLI. */
function manualDelivery(workflow: string, inputs: Record<string, string>, payload: Record<string, unknown>, now: Date): ReturnType<typeof toDelivery> {
  const repository = repositoryInfo(payload);
  return {
    delivery: {
      id: "dry-run",
      event: "manual",
      installationId: 0,
      repository,
      triggers: [{ kind: "manual", workflow, inputs, actor: "governance-cli" }],
      payload,
      receivedAt: now.toISOString(),
    },
    warnings: [],
  };
}

/**
 * Moves waiting runs forward as the dry run promises: timers and events as if they came,
 * approvals as --approve or --reject say. Returns the notes per run and step for the trace.
 */
async function skipForward(store: Store, worker: Worker, approval: DryRunApproval, clock: { now(): Date }): Promise<Record<string, Record<string, string>>> {
  const notes: Record<string, Record<string, string>> = {};
  for (let round = 0; round < 100; round++) {
    let moved = false;
    for (const listed of await store.listRuns({ status: "running", limit: 500 })) {
      const run = (await store.getRun(listed.id))!;
      const skipped = skipWaits(run, approval, clock.now());
      notes[run.id] = { ...notes[run.id], ...skipped.notes };
      if (!skipped.changed) continue;
      moved = true;
      const result = await store.commitRun(skipped.run, { jobs: [runJob(run, `run:${run.id}:dry-run:${round}`, clock.now())] });
      if (!result.committed) throw new Error(`run ${run.id} changed while the dry run moved it on`);
    }
    if (!moved) break;
    await worker.drain();
  }
  return notes;
}
