/**
 * Evaluates workflow expressions while a run executes: CEL conditions and `${{ }}` templates,
 * each within a step, allocation and time budget, with values converted to and from CEL.
 */
import { conditionSource } from "./conditions.js";
import { celEnvironment, scanTemplate } from "./expressions.js";
import { EXPRESSION_BUDGET } from "./limits.js";

/** An expression that failed while a run evaluated it (a missing field, a type mismatch). */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
    this.name = "ExpressionError";
  }

  /** True when the expression was stopped for going over its budget (steps, memory or time). */
  overBudget = false;
}

/** Keys never copied into an expression context, whatever the payload says. */
const SKIPPED_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const MAX_CONTEXT_DEPTH = 24;

/**
 * Copies plain data into the shape CEL expects: integers become CEL ints (BigInt) so that
 * `pullRequest.number + 1` works, objects become fresh null-free plain objects, and anything
 * that is not data (functions, class instances) is dropped.
 */
export function toCelValue(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "bigint") return value;
  if (depth >= MAX_CONTEXT_DEPTH) return null;
  if (Array.isArray(value)) return value.map((v) => toCelValue(v, depth + 1));
  if (typeof value === "object" && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!SKIPPED_KEYS.has(k) && v !== undefined) out[k] = toCelValue(v, depth + 1);
    }
    return out;
  }
  return null;
}

/** Turns a CEL result back into plain JSON-compatible data. */
export function fromCelValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCelValue(v)]));
  if (Array.isArray(value)) return value.map(fromCelValue);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCelValue(v)]));
  return value;
}

/** Evaluates one CEL expression against a context already passed through toCelValue, within the budget. */
export function evaluateExpression(expression: string, context: Record<string, unknown>, limits: BudgetLimits = EXPRESSION_BUDGET): unknown {
  const budget = new Budget(limits);
  const outer = active;
  active = budget;
  try {
    instrument();
    const value = celEnvironment().evaluate(expression, context);
    // `||`, `&&` and the quantifiers absorb errors: a budget exceeded anywhere fails the whole.
    if (budget.exceeded) throw budget.exceeded;
    return fromCelValue(value);
  } catch (err) {
    const reason = budget.exceeded ?? err;
    const e = reason as { summary?: string; message?: string };
    const error = new ExpressionError(`${(e.summary ?? e.message ?? String(reason)).split("\n")[0]} in \${{ ${expression} }}`, expression);
    if (budget.exceeded) error.overBudget = true;
    throw error;
  } finally {
    active = outer;
    lastSteps = budget.steps;
  }
}

/** The bounds one evaluation runs under (EXPRESSION_BUDGET unless a test says otherwise). */
export interface BudgetLimits {
  maxSteps: number;
  maxAllocation: number;
  maxTextLength: number;
  maxListLength: number;
  maxMillis: number;
}

/** Evaluation steps taken by the latest evaluation (for tests and benchmarks). */
export function lastEvaluationSteps(): number {
  return lastSteps;
}

let lastSteps = 0;
let active: Budget | undefined;
let instrumented = false;

/** Node kinds whose result is a value made by the evaluation (not read from the context or the expression). */
const CREATING = new Set(["+", "call", "rcall"]);

/**
 * Counts the steps and the allocation of one evaluation. Every node evaluated below the root
 * passes through the evaluator's `run`, so the count is exact; the clock is read every 64 steps.
 */
class Budget {
  steps = 0;
  allocated = 0;
  exceeded: Error | undefined;
  readonly #limits: BudgetLimits;
  readonly #deadline: number;

  constructor(limits: BudgetLimits) {
    this.#limits = limits;
    this.#deadline = performance.now() + limits.maxMillis;
  }

  step(): void {
    if (this.exceeded) throw this.exceeded;
    if (++this.steps > this.#limits.maxSteps) this.#stop(`the expression took more than ${this.#limits.maxSteps.toLocaleString("en")} evaluation steps`);
    if ((this.steps & 63) === 0 && performance.now() > this.#deadline) this.#stop(`the expression ran longer than ${this.#limits.maxMillis} ms`);
  }

  result(op: string, value: unknown): void {
    const creating = CREATING.has(op);
    if (!creating && op !== "accuPush") return;
    let size: number;
    if (typeof value === "string") {
      size = value.length;
      if (size > this.#limits.maxTextLength) this.#stop(`the expression made a text of more than ${this.#limits.maxTextLength.toLocaleString("en")} characters`);
    } else if (Array.isArray(value)) {
      size = value.length;
      if (size > this.#limits.maxListLength) this.#stop(`the expression made a list of more than ${this.#limits.maxListLength.toLocaleString("en")} elements`);
    } else if (value instanceof Map) {
      size = value.size;
      if (size > this.#limits.maxListLength) this.#stop(`the expression made a map of more than ${this.#limits.maxListLength.toLocaleString("en")} entries`);
    } else {
      return;
    }
    // A growing comprehension result is counted once, when the comprehension hands it back.
    if (creating && (this.allocated += size) > this.#limits.maxAllocation) {
      this.#stop(`the expression made more than ${this.#limits.maxAllocation.toLocaleString("en")} characters and list elements`);
    }
  }

  #stop(message: string): never {
    this.exceeded = new Error(`${message}, over its budget`);
    throw this.exceeded;
  }
}

interface CelEvaluator {
  run(ast: CelNode, ctx: unknown): unknown;
}
interface CelNode {
  op: string;
  evaluate(ev: CelEvaluator, ast: CelNode, ctx: unknown): unknown;
}

/**
 * Puts the budget into the shared environment's evaluator: cel-js evaluates every child node
 * through `evaluator.run`, so wrapping it once counts every step of every evaluation. The
 * evaluator is private to the environment; it is handed to the root node of a parsed
 * expression, which is where it is picked up. The tests on the budget fail if a new cel-js
 * stops routing evaluation through `run`.
 */
function instrument(): void {
  if (instrumented) return;
  const parsed = celEnvironment().parse("true");
  let evaluator: CelEvaluator | undefined;
  (parsed.ast as unknown as CelNode).evaluate = (ev) => {
    evaluator = ev;
    return true;
  };
  parsed({});
  if (!evaluator) throw new Error("cannot bound expression evaluation: the CEL evaluator was not found");
  const ev = evaluator;
  ev.run = function run(this: CelEvaluator, ast: CelNode, ctx: unknown): unknown {
    const budget = active;
    if (!budget) return ast.evaluate(this, ast, ctx);
    budget.step();
    const value = ast.evaluate(this, ast, ctx);
    budget.result(ast.op, value);
    return value;
  };
  instrumented = true;
}

/** Evaluates a decision's `if:`; the result must be true or false. */
export function evaluateCondition(text: string, context: Record<string, unknown>): boolean {
  const { expression } = conditionSource(text);
  const value = evaluateExpression(expression, context);
  if (typeof value !== "boolean") {
    throw new ExpressionError(`the condition must be true or false, not ${JSON.stringify(value)}: ${expression.trim()}`, expression);
  }
  return value;
}

/**
 * Replaces every `${{ expr }}` of a text with its value: text as is, data as JSON, and null as
 * `null`, visibly (a field an event does not have, such as a Dependabot alert's commit, must
 * not vanish from a message without a trace; a fallback is written with a conditional:
 * `${{ finding.commit != null ? finding.commit : 'none' }}`).
 */
export function renderTemplate(text: string, context: Record<string, unknown>): string {
  const scan = scanTemplate(text);
  if (!scan.ok) throw new ExpressionError(scan.problem.message, text);
  let out = "";
  let from = 0;
  for (const part of scan.parts) {
    out += text.slice(from, part.start) + stringify(evaluateExpression(part.expression, context));
    from = part.end;
  }
  return out + text.slice(from);
}

/** Renders every string inside a parameters object; other values are kept as they are. Throws the first failure. */
export function renderParameters<T>(value: T, context: Record<string, unknown>): T {
  const { rendered, error } = renderParametersAll(value, context);
  if (error) throw error;
  return rendered;
}

/**
 * Renders every string it can: a string whose template fails is kept as written, and the
 * first failure is returned beside the result, so that a failed step still shows what each
 * of its parameters became (and which one did not render).
 */
export function renderParametersAll<T>(value: T, context: Record<string, unknown>): { rendered: T; error?: unknown } {
  let error: unknown;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      try {
        return renderTemplate(v, context);
      } catch (err) {
        error ??= err;
        return v;
      }
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const rendered = walk(value) as T;
  return error === undefined ? { rendered } : { rendered, error };
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
