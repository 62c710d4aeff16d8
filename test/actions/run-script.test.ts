import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ActionError, type ActionContext } from "../../src/actions/index.js";
import { runScript } from "../../src/actions/run-script.js";
import { LOCAL_REPOSITORY, manualDelivery } from "../../src/cli/dry-run-input.js";
import { DryRunSession } from "../../src/cli/dry-run-session.js";
import { validateCommand } from "../../src/cli/validate.js";
import type { ScriptsConfig } from "../../src/config/operator-config.js";
import type { Delivery } from "../../src/domain/events.js";
import type { Store } from "../../src/domain/ports.js";
import type { Run } from "../../src/domain/run.js";
import type { ScriptResult, ScriptRunner, ScriptRunOptions } from "../../src/domain/script-port.js";
import type { ActionStep, Workflow } from "../../src/domain/workflow.js";
import { RecordingNotifier } from "../../src/github/recording-port.js";
import { SandboxScriptRunner } from "../../src/sandbox/script-runner.js";
import { openStore } from "../../src/store/open-store.js";
import { loadWorkflow } from "../../src/workflows/index.js";
import { engineDeps, FakeClock, resume, seedRun, workflowFrom } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";

const repository = { id: 1, owner: "acme", name: "api", fullName: "acme/api", defaultBranch: "main", url: "https://github.com/acme/api" };
const workflow: Workflow = { name: "Rotate", version: "1.0.0", triggers: [{ type: "manual" }], steps: [] };
const step: ActionStep = { id: "rotate", type: "action", action: { kind: "runScript", parameters: { script: "rotate-key" } } };

/** A script runner that runs nothing: it counts, and answers what it is told to. */
class FakeScripts implements ScriptRunner {
  runs: Array<{ name: string; args: readonly string[]; options?: ScriptRunOptions }> = [];
  answer: Partial<ScriptResult> = {};
  constructor(
    private readonly known: Record<string, { idempotent?: boolean }> = { "rotate-key": {} },
    private readonly onRun: () => void = () => {},
  ) {}
  has(name: string) {
    return Object.hasOwn(this.known, name);
  }
  names() {
    return Object.keys(this.known);
  }
  idempotent(name: string) {
    return this.known[name]?.idempotent === true;
  }
  async run(name: string, args: readonly string[], options?: ScriptRunOptions): Promise<ScriptResult> {
    this.runs.push({ name, args, ...(options ? { options } : {}) });
    this.onRun();
    return { exitCode: 0, signal: null, stdout: "rotated\n", stderr: "", truncated: false, timedOut: false, durationMs: 5, ...this.answer };
  }
}

let store: Store;
let dir: string;
const now = new Date("2026-11-26T10:00:00Z");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "run-script-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  store = await openStore("sqlite::memory:");
});
afterEach(async () => store.close());

function context(parameters: Record<string, unknown>, scripts: ScriptRunner | undefined, options: { tries?: number; logs?: string[] } = {}): ActionContext {
  const trigger = { kind: "manual", workflow: "Rotate", inputs: {}, actor: "octocat" } as unknown as ActionContext["trigger"];
  const delivery: Delivery = { id: "d1", event: "issue_comment", action: "created", installationId: 1, repository, triggers: [trigger], payload: {}, receivedAt: now.toISOString() };
  const record = { stepId: step.id, type: "action", kind: "runScript", status: "running", attempt: 1, tries: options.tries ?? 1 } as Run["steps"][number];
  const run = { id: "run-1", workflowId: "wf-1", steps: [record] } as unknown as Run;
  return {
    run,
    step,
    parameters,
    workflow,
    delivery,
    trigger,
    repository,
    stepOutputs: {},
    lineage: [],
    idempotencyKey: `run-1:${step.id}:1`,
    github: new FakeGitHub(),
    notifier: new RecordingNotifier(),
    ...(scripts ? { scripts } : {}),
    store,
    clock: { now: () => now },
    log: (level, message) => options.logs?.push(`${level} ${message}`),
  };
}

const failureOf = async (promise: Promise<unknown>): Promise<ActionError> => {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ActionError);
    return err as ActionError;
  }
  throw new Error("expected the step to fail");
};

describe("runScript", () => {
  it("runs the named script with the args as argv, and its outcome becomes the step's outputs", async () => {
    const scripts = new FakeScripts();
    const logs: string[] = [];
    const out = await runScript(context({ script: "rotate-key", args: ["--key", "a; rm -rf /"], timeout: "30s" }, scripts, { logs }));
    expect(scripts.runs).toEqual([{ name: "rotate-key", args: ["--key", "a; rm -rf /"], options: { timeoutMs: 30_000 } }]);
    expect(out).toEqual({ exitCode: 0, signal: null, timedOut: false, durationMs: 5, truncated: false, stdout: "rotated\n", stderr: "" });
    expect(logs).toEqual(["info script rotate-key exited with code 0 in 5 ms"]);
  });

  it("fails a step whose script is not configured, with a suggestion, and without a runner at all", async () => {
    const scripts = new FakeScripts();
    expect((await failureOf(runScript(context({ script: "rotate-kye" }, scripts)))).message).toBe(
      'script "rotate-kye" is not configured (did you mean "rotate-key"?); add scripts["rotate-kye"].command to the operator configuration file named by GOVERNANCE_CONFIG',
    );
    expect((await failureOf(runScript(context({ script: "rotate-key" }, undefined)))).message).toMatch(/^script "rotate-key" is not configured; add scripts/);
    expect(scripts.runs).toEqual([]);
  });

  it("fails the step on a non-zero exit, a signal or the timeout, saying which, with the end of stderr; a retry may try again", async () => {
    const scripts = new FakeScripts();
    scripts.answer = { exitCode: 3, stderr: "vault sealed\n" };
    const exit = await failureOf(runScript(context({ script: "rotate-key" }, scripts)));
    expect(exit.message).toBe('script "rotate-key" exited with code 3; stderr: vault sealed');
    expect(exit.retriable).toBe(true);
    scripts.answer = { exitCode: null, signal: "SIGKILL", timedOut: true, durationMs: 300 };
    expect((await failureOf(runScript(context({ script: "rotate-key" }, scripts, { tries: 2 })))).message).toBe(
      'script "rotate-key" timed out after 300 ms and was killed with its process group',
    );
    // The retry (try 2) ran it again: each try has a claim of its own.
    expect(scripts.runs).toHaveLength(2);
  });

  it("never runs a script twice for one try: a replay after its outcome was recorded answers with it", async () => {
    const scripts = new FakeScripts();
    const first = await runScript(context({ script: "rotate-key" }, scripts));
    const again = await runScript(context({ script: "rotate-key" }, scripts));
    expect(again).toEqual(first);
    scripts.answer = { exitCode: 1 };
    const failedTry = await failureOf(runScript(context({ script: "rotate-key" }, scripts, { tries: 2 })));
    const replayed = await failureOf(runScript(context({ script: "rotate-key" }, scripts, { tries: 2 })));
    expect(replayed.message).toBe(failedTry.message);
    expect(scripts.runs).toHaveLength(2);
  });

  it("does not run a script again when a replay finds its claim without an outcome, unless the operator marked it idempotent", async () => {
    // An attempt claimed the run and died before recording what happened.
    await store.claimEffect("runScript:run-1:rotate:1:1", "runScript", now);
    const careful = new FakeScripts();
    const refused = await failureOf(runScript(context({ script: "rotate-key" }, careful)));
    expect(refused.message).toMatch(/^script "rotate-key" may have run and was interrupted before its outcome was recorded; it is not run again/);
    expect(refused.retriable).toBe(false);
    expect(careful.runs).toEqual([]);

    const logs: string[] = [];
    const idempotent = new FakeScripts({ "rotate-key": { idempotent: true } });
    await runScript(context({ script: "rotate-key" }, idempotent, { logs }));
    expect(idempotent.runs).toHaveLength(1);
    expect(logs[0]).toMatch(/^warn an interrupted attempt may already have run script rotate-key; running it again/);
  });

  it("runs a real script in the sandbox: exit code, stdout and stderr as outputs", async () => {
    const path = join(dir, "greet");
    writeFileSync(path, '#!/bin/sh\necho "hello $1"\necho warn >&2\n', { mode: 0o755 });
    const config: ScriptsConfig = { maxConcurrent: 1, commands: { greet: { command: [path], timeoutMs: 5_000, maxOutputBytes: 1024, env: [], idempotent: false } } };
    const out = await runScript(context({ script: "greet", args: ["$(whoami)"] }, new SandboxScriptRunner(config)));
    expect(out).toMatchObject({ exitCode: 0, signal: null, timedOut: false, truncated: false, stdout: "hello $(whoami)\n", stderr: "warn\n" });
  });
});

describe("runScript and a lost lease", () => {
  it("kills the script when the job's signal aborts (its lease is lost, or the app stops)", async () => {
    const path = join(dir, "slow");
    writeFileSync(path, "#!/bin/sh\nsleep 30\n", { mode: 0o755 });
    const config: ScriptsConfig = { maxConcurrent: 1, commands: { slow: { command: [path], timeoutMs: 20_000, maxOutputBytes: 1024, env: [], idempotent: false } } };
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("lease lost")), 200);
    const started = Date.now();
    const failure = await failureOf(runScript({ ...context({ script: "slow" }, new SandboxScriptRunner(config)), signal: abort.signal }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failure.message).toMatch(/killed by SIGKILL/);
  });
});

describe("runScript in a run", () => {
  const ROTATE = `
name: Rotate
version: 1.0.0
triggers: [{ type: onPR }]
steps:
  - id: rotate
    type: action
    action: { kind: runScript, parameters: { script: rotate-key, args: ["\${{ pullRequest.number }}"] } }
`;

  /** A store that "dies" once armed: nothing more reaches it, as when the process is killed. */
  function dying(target: Store, armed: { on: boolean }): Store {
    return new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop, t) as unknown;
        if (typeof value !== "function") return value;
        if (["commitRun", "recordEffects", "completeEffect"].includes(String(prop))) {
          return (...args: unknown[]) => (armed.on ? Promise.reject(new Error("the process died")) : (value as (...a: unknown[]) => unknown).apply(t, args));
        }
        return (value as (...a: unknown[]) => unknown).bind(t);
      },
    });
  }

  it("shows the exit code in the run's log and check run", async () => {
    const clock = new FakeClock();
    const github = new FakeGitHub();
    await seedRun(store, workflowFrom(ROTATE), clock);
    const scripts = new FakeScripts();
    const { run } = await resume({ ...engineDeps(store, clock, github), scripts } as ReturnType<typeof engineDeps>, "run-1");
    expect(run.status).toBe("succeeded");
    expect(scripts.runs[0]!.args).toEqual(["5"]);
    expect(run.steps[0]!.outputs).toMatchObject({ exitCode: 0, stdout: "rotated\n" });
    const text = github.checkUpdates.at(-1)!.output!.text ?? "";
    expect(text).toContain("script rotate-key exited with code 0 in 5 ms");
  });

  it("after a crash between running the script and recording it, the next process does not run it again", async () => {
    const clock = new FakeClock();
    await seedRun(store, workflowFrom(ROTATE), clock);
    const armed = { on: false };
    const first = new FakeScripts(undefined, () => (armed.on = true));
    await expect(resume({ ...engineDeps(dying(store, armed), clock), scripts: first } as ReturnType<typeof engineDeps>, "run-1")).rejects.toThrow("the process died");
    expect(first.runs).toHaveLength(1);

    const second = new FakeScripts();
    const { run } = await resume({ ...engineDeps(store, clock), scripts: second } as ReturnType<typeof engineDeps>, "run-1");
    expect(second.runs).toEqual([]);
    expect(run.status).toBe("failed");
    expect(run.steps[0]!.error).toMatch(/may have run and was interrupted/);
  });

  it("after the same crash, runs an idempotent script again", async () => {
    const clock = new FakeClock();
    await seedRun(store, workflowFrom(ROTATE), clock);
    const armed = { on: false };
    await expect(
      resume({ ...engineDeps(dying(store, armed), clock), scripts: new FakeScripts({ "rotate-key": { idempotent: true } }, () => (armed.on = true)) } as ReturnType<typeof engineDeps>, "run-1"),
    ).rejects.toThrow("the process died");
    const second = new FakeScripts({ "rotate-key": { idempotent: true } });
    const { run } = await resume({ ...engineDeps(store, clock), scripts: second } as ReturnType<typeof engineDeps>, "run-1");
    expect(second.runs).toHaveLength(1);
    expect(run.status).toBe("succeeded");
  });
});

describe("runScript in validation and the dry run", () => {
  const WORKFLOW = "name: Rotate\nversion: 1.0.0\ntriggers: [{ type: manual }]\nsteps:\n  - id: rotate\n    type: action\n    action:\n      kind: runScript\n      parameters: { script: rotate-kye, args: [\"a; b\", \"$(c)\"] }\n";

  it("refuses a script the operator configuration does not list, at the script parameter, with a suggestion", () => {
    expect(loadWorkflow("w.yml", WORKFLOW).diagnostics).toEqual([]);
    const known = loadWorkflow("w.yml", WORKFLOW, { knownScripts: new Set(["rotate-key", "verify-fix"]) });
    expect(known.workflow).toBeUndefined();
    expect(known.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      '9:29: steps[0].action.parameters.script: script "rotate-kye" is not configured in the operator configuration (did you mean "rotate-key"?)',
    ]);
    expect(loadWorkflow("w.yml", WORKFLOW, { knownScripts: new Set() }).diagnostics[0]!.message).toBe(
      'steps[0].action.parameters.script: script "rotate-kye" is not configured: the operator configuration lists no scripts',
    );
    expect(loadWorkflow("w.yml", WORKFLOW.replace("rotate-kye", "rotate-key"), { knownScripts: new Set(["rotate-key"]) }).diagnostics).toEqual([]);
  });

  it("governance validate --config checks script names against the operator configuration", async () => {
    const ws = mkdtempSync(join(tmpdir(), "run-script-validate-"));
    mkdirSync(join(ws, ".governance"));
    writeFileSync(join(ws, ".governance", "rotate.yml"), WORKFLOW);
    writeFileSync(join(ws, "ops.yml"), "scripts:\n  rotate-key:\n    command: [/opt/scripts/rotate-key]\n");
    writeFileSync(join(ws, "bad.yml"), "scripts:\n  rotate-key:\n    command: [rotate-key]\n");
    const run = async (args: string[]) => {
      let stdout = "";
      const status = await validateCommand(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, cwd: ws, env: {} });
      return { status, stdout };
    };
    try {
      expect(await run([])).toEqual({ status: 0, stdout: "1 file checked: 1 valid, 0 invalid (0 errors, 0 warnings)\n" });
      expect(await run(["--config", "ops.yml"])).toEqual({
        status: 1,
        stdout:
          '.governance/rotate.yml:9:29: error: steps[0].action.parameters.script: script "rotate-kye" is not configured in the operator configuration (did you mean "rotate-key"?)\n1 file checked: 0 valid, 1 invalid (1 error, 0 warnings)\n',
      });
      await expect(run(["--config", "missing.yml"])).rejects.toThrow("--config: missing.yml: no such file");
      await expect(run(["--config", "bad.yml"])).rejects.toThrow(/^bad\.yml:3:15 \(--config\): scripts\["rotate-key"\]\.command\[0\] must be the program's absolute path/);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it("a dry run records the script and its argv and runs nothing", async () => {
    const ws = mkdtempSync(join(tmpdir(), "run-script-dry-"));
    writeFileSync(join(ws, "rotate.yml"), WORKFLOW.replace("rotate-kye", "rotate-key"));
    try {
      const session = new DryRunSession({ folder: ws, changedFiles: undefined, channels: undefined, approval: undefined });
      const { runs } = await session.run([manualDelivery("Rotate", {}, repository, { repository: LOCAL_REPOSITORY }, now)]);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.status).toBe("succeeded");
      expect(runs[0]!.calls).toEqual([{ kind: "runScript", target: "rotate-key", details: { script: "rotate-key", args: ["a; b", "$(c)"] } }]);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
