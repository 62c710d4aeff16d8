/**
 * The engine of `governance run --dry-run`: the app's own job handlers, actions and check-run
 * reporter over an in-memory store and recording stand-ins for GitHub and the channels, with
 * each run's calls reported.
 */
import { ACTIONS } from "../actions/index.js";
import type { Delivery } from "../domain/events.js";
import { silentLogger, type GitHubPort, type Job, type Logger, type Store } from "../domain/ports.js";
import type { Run } from "../domain/run.js";
import { skipForward, type DryRunApproval, type DryRunRemediation } from "../engine/dry-run.js";
import { engineJobs } from "../engine/jobs.js";
import { WorkflowSource } from "../engine/workflow-source.js";
import { checkRunReporter } from "../github/check-reporter.js";
import { CallLog, RecordingGitHub, RecordingNotifier, RecordingScripts, type RecordedCall } from "../github/recording-port.js";
import { Worker, type JobContext } from "../queue/worker.js";
import { openStore } from "../store/open-store.js";

/** One run of a dry run, as the CLI reports it. */
export interface RunReport {
  id: string;
  workflow: string;
  path: string;
  status: Run["status"];
  /** The tick of a scheduled run. */
  scheduledFor?: string;
  steps: Array<{ id: string; status: string; outcome?: string; note?: string; action?: { kind: string; parameters: Record<string, unknown> }; outputs?: Record<string, unknown>; error?: string }>;
  /** What the run would have made: issues, comments, channel messages (check runs are in `checkRun`). */
  calls: Array<Omit<RecordedCall, "runId">>;
  /** The run's check run as the app's reporter last posted it; null when none was posted. */
  checkRun: {
    name: string;
    status: string | null;
    conclusion: string | null;
    title: string;
    summary: string;
    actions: Array<{ label: string; identifier: string }>;
  } | null;
}

export interface DryRunSetup {
  /** The local `.governance/` folder. */
  folder: string;
  changedFiles: string[] | undefined;
  /** Which channels exist; undefined: every channel. */
  channels: ((channel: string) => boolean) | undefined;
  /** Which scripts the operator configuration lists; undefined (no configuration): every script, and none is checked when loading. */
  scripts?: ReadonlySet<string>;
  approval: DryRunApproval;
  /** How dispatched workflow runs end (`--remediation`), or undefined to leave them waiting. */
  remediation?: DryRunRemediation;
}

/** The runs the deliveries made, and the calls made outside every run (a refused request's reply). */
export interface DryRunOutcome {
  runs: RunReport[];
  otherCalls: RecordedCall[];
}

/**
 * A dry run's engine: the app's own job handlers, reporter and actions, over an in-memory
 * store and stand-ins for GitHub and the channels that record every call per run.
 */
export class DryRunSession {
  readonly calls = new CallLog();
  readonly github: RecordingGitHub;
  readonly source: WorkflowSource;
  readonly #notifier: RecordingNotifier;
  /** Scripts are recorded, never run. */
  readonly #scripts: RecordingScripts;
  readonly #approval: DryRunApproval;
  readonly #remediation: DryRunRemediation;
  readonly #clock = { now: () => new Date() };

  constructor(setup: DryRunSetup) {
    this.github = new RecordingGitHub(setup.folder, setup.changedFiles, this.calls);
    this.#notifier = new RecordingNotifier(setup.channels, this.calls);
    const known = setup.scripts;
    this.#scripts = new RecordingScripts(known ? (name) => known.has(name) : undefined, this.calls);
    this.source = new WorkflowSource(undefined, undefined, undefined, undefined, { knownScripts: known });
    this.#approval = setup.approval;
    this.#remediation = setup.remediation;
  }

  /** Delivers each delivery as the app would, moves waits forward, and reports the runs, oldest first. */
  async run(deliveries: Delivery[]): Promise<DryRunOutcome> {
    const store = await openStore("sqlite::memory:");
    try {
      const failures: unknown[] = [];
      const worker = new Worker({ store, log: failuresInto(failures), handlers: this.#handlers(store) });
      for (const delivery of deliveries) await store.acceptDelivery(delivery);
      await worker.drain();
      const notes = await skipForward(store, () => worker.drain(), this.#approval, this.#clock, this.#remediation);
      // The engine failing a job is a bug (or the stand-in's), never the user's: shown with its stack.
      if (failures.length > 0) throw failures[0];
      const runs = (await store.listRuns({ limit: 500 })).reverse();
      return {
        runs: await Promise.all(runs.map(async (listed) => this.#report((await store.getRun(listed.id)) ?? listed, deliveries, notes[listed.id] ?? {}))),
        otherCalls: this.calls.calls.filter((c) => c.runId === undefined && SHOWN_CALLS.has(c.kind)),
      };
    } finally {
      await store.close();
    }
  }

  /** The app's job handlers, with every run executed in a job of its own, tagged with its run id. */
  #handlers(store: Store): Record<string, (job: Job, context?: JobContext) => Promise<void>> {
    const deps = {
      store,
      clock: this.#clock,
      log: silentLogger,
      source: this.source,
      notifier: this.#notifier,
      // Reaches the runner through engineJobs' spread of its deps.
      scripts: this.#scripts,
      actions: ACTIONS,
      githubFor: async () => this.github,
      reportValidation: async () => {},
      reporterFor: (gh: GitHubPort, d: Delivery) => checkRunReporter(gh, d.repository, { store, clock: this.#clock }),
    };
    const handlers = engineJobs(deps);
    return {
      ...handlers,
      // Without a job context the delivery job holds no run: each run goes to a run job, where
      // its calls are tagged. The app may execute one run inside its delivery's job instead;
      // what the run does is the same.
      delivery: (job) => handlers.delivery!(job),
      run: (job, context) => this.calls.forRun(String(job.payload.runId), () => handlers.run!(job, context)),
    };
  }

  #report(run: Run, deliveries: Delivery[], notes: Record<string, string>): RunReport {
    const trigger = deliveries.find((d) => d.id === run.deliveryId)?.triggers[run.triggerIndex];
    const posted = run.checkRunId === undefined ? undefined : this.github.checkRuns.get(run.checkRunId);
    return {
      id: run.id,
      workflow: run.workflowName,
      path: run.workflowPath,
      status: run.status,
      ...(trigger?.kind === "schedule" ? { scheduledFor: trigger.scheduledFor } : {}),
      steps: run.steps.map((s) => ({
        id: s.stepId,
        status: s.status,
        ...(s.kind ? { action: { kind: s.kind, parameters: s.parameters ?? {} } } : {}),
        ...(s.outcome ? { outcome: s.outcome } : {}),
        ...(notes[s.stepId] ? { note: notes[s.stepId] } : {}),
        ...(s.outputs ? { outputs: s.outputs } : {}),
        ...(s.error ? { error: s.error } : {}),
      })),
      calls: this.calls.ofRun(run.id).filter((c) => SHOWN_CALLS.has(c.kind)).map(({ kind, target, details }) => ({ kind, target, details })),
      checkRun: posted
        ? {
            name: posted.name,
            status: posted.status ?? null,
            conclusion: posted.conclusion ?? null,
            title: posted.output?.title ?? "",
            summary: posted.output?.summary ?? "",
            actions: (posted.actions ?? []).map(({ label, identifier }) => ({ label, identifier })),
          }
        : null,
    };
  }
}

/** The calls listed under "would call": what a run makes (its check run is shown on its own). */
const SHOWN_CALLS = new Set<RecordedCall["kind"]>(["createIssue", "createComment", "notify", "runScript", "dispatchWorkflow", "updateIssue"]);

/** The worker's logger in a dry run: silent, but keeps the error of every job that failed. */
function failuresInto(failures: unknown[]): Logger {
  const keep = (obj: Record<string, unknown>, msg: string) => {
    if (msg.startsWith("job failed")) failures.push(obj.err ?? new Error(`${msg}: ${String(obj.reason ?? "")}`));
  };
  return { ...silentLogger, warn: keep, error: keep };
}
