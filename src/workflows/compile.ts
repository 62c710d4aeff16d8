/**
 * The compile stage of loading a workflow (load.ts runs it after the schema): checks of step ids,
 * `next` targets, the graph, expressions, triggers and durations that a JSON schema cannot express.
 */
import type { Diagnostic } from "../domain/diagnostic.js";
import type { Step, Workflow } from "../domain/workflow.js";
import { MAX_DURATION_MS, formatDuration, parseDuration } from "./durations.js";
import { checkExpression, checkTemplate, scanTemplate, type ExpressionProblem } from "./expressions.js";
import { conditionSource } from "./conditions.js";
import { finishDiagnostics, formatCount, type PendingDiagnostic, type Report } from "./diagnostic-cap.js";
import { LIMITS } from "./limits.js";
import { toDisplayPath, toPointer, type DocPath } from "../domain/paths.js";
import type { SourceMap } from "./source.js";
import { stepEdges } from "./graph.js";
import { checkNotifyStep } from "./notify-checks.js";
import { checkOrigin } from "./origin-checks.js";
import { triggerType } from "../triggers/registry.js";

/**
 * Compile stage: the checks a schema cannot express. Step ids are unique, every `next` target
 * exists, every step is reachable (a warning), cycles are bounded, expressions parse, cron
 * expressions, time zones and durations are valid.
 *
 * Runs after the schema, so there are at most 200 steps; messages (and their "did you mean"
 * suggestions, which compare against every step id) are written only for the diagnostics kept.
 */
export function compileChecks(workflow: Workflow, map: SourceMap, options: { knownScripts?: ReadonlySet<string>; origin?: "repository" | "orgWide" } = {}): Diagnostic[] {
  const out: PendingDiagnostic[] = [];
  const report: Report = (path, message, severity = "error", offset) => {
    const span = offset === undefined ? map.spanAt(path) : map.spanOf(offset);
    // The whole document's problems name no field.
    const where = path.length === 0 ? "" : `${toDisplayPath(path)}: `;
    out.push({ severity, message: typeof message === "string" ? where + message : (suggest) => where + message(suggest), pointer: toPointer(path), ...span });
  };

  checkOrigin(workflow, options.origin ?? "repository", report);
  const ids = checkStepIds(workflow, report);
  checkTargets(workflow, ids, report);
  // With duplicate ids the graph is ambiguous; its findings would only confuse.
  if (ids.size === workflow.steps.length) checkGraph(workflow, ids, report);
  checkExpressions(workflow, [...ids.keys()], map, report);
  checkTriggers(workflow, report);
  workflow.steps.forEach((step, i) => checkStep(step, i, workflow, ids, report));
  if (options.knownScripts) checkScripts(workflow, options.knownScripts, report);
  checkDurations(workflow, [], report);
  return finishDiagnostics(out);
}

/** Step ids shown in a message: all of a normal workflow's, the first 20 of a huge one. */
const SHOWN_IDS = 20;

function listIds(ids: readonly string[]): string {
  if (ids.length <= SHOWN_IDS) return ids.join(", ");
  return `${ids.slice(0, SHOWN_IDS).join(", ")} and ${ids.length - SHOWN_IDS} more`;
}

function checkStepIds(workflow: Workflow, report: Report): Map<string, number> {
  const ids = new Map<string, number>();
  workflow.steps.forEach((step, i) => {
    const first = ids.get(step.id);
    if (first === undefined) ids.set(step.id, i);
    else report(["steps", i, "id"], `duplicate step id "${step.id}" (already used by steps[${first}])`);
  });
  return ids;
}

/** Every list of step ids in a step, with its path, for target checks. */
function targetLists(step: Step, i: number): Array<{ path: DocPath; ids: string[] }> {
  const base: DocPath = ["steps", i, "next"];
  const lists: Array<{ path: DocPath; ids: string[] }> = [];
  const next = step.next as unknown;
  if (Array.isArray(next)) lists.push({ path: base, ids: next as string[] });
  else if (step.type === "decision") {
    step.next.when.forEach((c, j) => lists.push({ path: [...base, "when", j, "then"], ids: c.then }));
    if (step.next.else) lists.push({ path: [...base, "else"], ids: step.next.else });
  } else if (next && typeof next === "object") {
    for (const [outcome, list] of Object.entries(next as Record<string, string[]>)) lists.push({ path: [...base, outcome], ids: list });
  }
  return lists;
}

function checkTargets(workflow: Workflow, ids: Map<string, number>, report: Report): void {
  const known = [...ids.keys()];
  const shown = listIds(known);
  workflow.steps.forEach((step, i) => {
    for (const { path, ids: list } of targetLists(step, i)) {
      list.forEach((target, j) => {
        if (!ids.has(target)) {
          report([...path, j], (suggest) => `refers to unknown step "${target}"${suggest(target, known)} (known: ${shown})`);
        }
      });
    }
  });
}

function checkGraph(workflow: Workflow, ids: Map<string, number>, report: Report): void {
  const edges = workflow.steps.map((step, i) => stepEdges(workflow.steps, i).map((id) => ids.get(id)).filter((n): n is number => n !== undefined));

  // Reachability from the first step.
  const seen = new Set<number>([0]);
  const queue = [0];
  while (queue.length > 0) {
    for (const n of edges[queue.shift()!]!) {
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  workflow.steps.forEach((step, i) => {
    if (!seen.has(i)) report(["steps", i], `step "${step.id}" is never reached from the first step`, "warning");
  });

  // Cycles: every strongly connected component with a loop needs a bounded step (maxRuns).
  for (const component of stronglyConnected(edges)) {
    const looping = component.length > 1 || edges[component[0]!]!.includes(component[0]!);
    if (!looping) continue;
    if (component.some((i) => workflow.steps[i]!.maxRuns !== undefined)) continue;
    const order = [...component].sort((a, b) => a - b);
    const names = order.map((i) => workflow.steps[i]!.id);
    report(["steps", order[0]!, "next"], `the steps ${names.join(" → ")} form a cycle with no bound; set maxRuns on one of them`);
  }
}

/** Tarjan's algorithm, iterative so a long chain of steps cannot overflow the stack. */
function stronglyConnected(edges: number[][]): number[][] {
  const index: number[] = new Array(edges.length).fill(-1);
  const low: number[] = new Array(edges.length).fill(0);
  const onStack: boolean[] = new Array(edges.length).fill(false);
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  for (let root = 0; root < edges.length; root++) {
    if (index[root] !== -1) continue;
    const work: Array<[number, number]> = [[root, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, k] = frame;
      if (k === 0) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = true;
      }
      if (k < edges[v]!.length) {
        frame[1]++;
        const w = edges[v]![k]!;
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          component.push(w);
        } while (w !== v);
        result.push(component);
      }
    }
  }
  return result;
}

/**
 * Parses every expression. Each costs up to a fraction of a millisecond (CEL parse and type
 * check), so a file may hold at most `LIMITS.maxExpressionsPerFile` expressions and
 * `LIMITS.maxExpressionTextPerFile` characters of them; past that one error is reported and the
 * rest are not parsed.
 */
function checkExpressions(workflow: Workflow, stepIds: string[], map: SourceMap, report: Report): void {
  const emit = (path: DocPath, problems: ExpressionProblem[], shift = 0) => {
    for (const p of problems) report(path, p.message, "error", map.offsetInString(path, shift + p.offset));
  };
  let count = 0;
  let characters = 0;
  let exhausted = false;
  /** Takes `n` expressions of `length` characters from the budget; false (and one error) when it is spent. */
  const afford = (path: DocPath, n: number, length: number): boolean => {
    if (exhausted) return false;
    count += n;
    characters += length;
    if (count <= LIMITS.maxExpressionsPerFile && characters <= LIMITS.maxExpressionTextPerFile) return true;
    exhausted = true;
    report(
      path,
      count > LIMITS.maxExpressionsPerFile
        ? `too many expressions in one file (at most ${formatCount(LIMITS.maxExpressionsPerFile)}); this and later ones are not checked`
        : `too much expression text in one file (at most ${formatCount(LIMITS.maxExpressionTextPerFile)} characters); this and later expressions are not checked`,
    );
    return false;
  };
  workflow.steps.forEach((step, i) => {
    if (step.type === "decision") {
      step.next.when.forEach((c, j) => {
        const path: DocPath = ["steps", i, "next", "when", j, "if"];
        const { expression, offset } = conditionSource(c.if);
        if (afford(path, 1, expression.length)) emit(path, checkExpression(expression, { stepIds }), offset);
      });
    }
    if (step.type === "action" && step.action.parameters) {
      forEachString(step.action.parameters, ["steps", i, "action", "parameters"], (text, path) => {
        if (!text.includes("${{")) return;
        const scan = scanTemplate(text);
        const parts = scan.ok ? scan.parts : [];
        if (afford(path, Math.max(1, parts.length), parts.reduce((n, p) => n + p.expression.length, 0))) emit(path, checkTemplate(text, { stepIds }));
      });
    }
  });
}

function forEachString(value: unknown, path: DocPath, visit: (text: string, path: DocPath) => void): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => forEachString(v, [...path, i], visit));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) forEachString(v, [...path, k], visit);
}

/** Each trigger type's own checks of its config (a cron pattern, a time zone, the manual inputs' defaults). */
function checkTriggers(workflow: Workflow, report: Report): void {
  workflow.triggers.forEach((trigger, i) => {
    const config = (trigger as { config?: unknown }).config;
    triggerType(trigger.type)?.check?.(config as never, ["triggers", i, "config"], (path, message) => report(path, message));
  });
}

function checkStep(step: Step, i: number, workflow: Workflow, ids: Map<string, number>, report: Report): void {
  const base: DocPath = ["steps", i];
  if (step.type === "approval") {
    const { approvers, minApprovals = 1 } = step.approval;
    const teams = approvers.some((a) => a.includes("/"));
    if (!teams && minApprovals > approvers.length) {
      report([...base, "approval", "minApprovals"], `needs ${minApprovals} approvals but only ${approvers.length} approver(s) are listed`);
    }
  }
  if (step.type === "wait") {
    const w = step.wait;
    const modes = (["duration", "until", "for"] as const).filter((k) => w[k] !== undefined);
    if (modes.length !== 1) {
      report([...base, "wait"], modes.length === 0 ? "must say what to wait for: duration, until or for" : `sets ${modes.join(" and ")}; choose one of duration, until or for`);
    }
    if (w.timeout !== undefined && w.for === undefined) report([...base, "wait", "timeout"], "timeout applies only to a wait for an event (for)");
    if (w.for === "checkCompleted" && w.checkName === undefined) report([...base, "wait"], "a wait for checkCompleted needs checkName");
    if (w.checkName !== undefined && w.for !== "checkCompleted") report([...base, "wait", "checkName"], "checkName applies only to for: checkCompleted");
    const ref = w.step;
    if (ref !== undefined) {
      if (w.for !== "issueClosed" && w.for !== "taskClosed") report([...base, "wait", "step"], "step applies only to for: issueClosed or taskClosed");
      const target = ids.has(ref) ? workflow.steps[ids.get(ref)!] : undefined;
      if (!target) report([...base, "wait", "step"], (suggest) => `refers to unknown step "${ref}"${suggest(ref, [...ids.keys()])}`);
      else if (target.type !== "action" || (target.action.kind !== "createIssue" && target.action.kind !== "assignTask")) {
        report([...base, "wait", "step"], `step "${ref}" does not open an issue or task (it must be a createIssue or assignTask action)`);
      }
    }
  }
  if (step.type === "action" && step.action.kind === "notify") checkNotifyStep(step, i, workflow, report);
  if (step.type === "action" && step.action.kind !== "runRemediation" && step.next !== undefined && !Array.isArray(step.next)) {
    report([...base, "next"], `only a runRemediation step routes on outcomes (success, failure, timedOut); a ${step.action.kind} step's next is a list of step ids`);
  }
}

/** With the operator's configuration known: every runScript step names a script it lists. */
function checkScripts(workflow: Workflow, known: ReadonlySet<string>, report: Report): void {
  workflow.steps.forEach((step, i) => {
    if (step.type !== "action" || step.action.kind !== "runScript") return;
    const script = step.action.parameters?.script;
    if (typeof script !== "string" || known.has(script)) return;
    const names = [...known];
    report(["steps", i, "action", "parameters", "script"], (suggest) =>
      names.length === 0 ? `script "${script}" is not configured: the operator configuration lists no scripts` : `script "${script}" is not configured in the operator configuration${suggest(script, names)}`,
    );
  });
}

const DURATION_KEYS = new Set(["timeout", "backoff", "duration", "due"]);

function checkDurations(value: unknown, path: DocPath, report: Report): void {
  if (Array.isArray(value)) value.forEach((v, i) => checkDurations(v, [...path, i], report));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "inputs") continue; // user-named values, not durations
      if (DURATION_KEYS.has(k) && typeof v === "string") {
        const ms = parseDuration(v);
        if (ms === 0) report([...path, k], "must be longer than 0");
        else if (ms !== undefined && ms > MAX_DURATION_MS) report([...path, k], `"${v}" is too long (at most ${formatDuration(MAX_DURATION_MS)})`);
      } else {
        checkDurations(v, [...path, k], report);
      }
    }
  }
}
