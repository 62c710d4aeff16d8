/**
 * Expressions are CEL (Common Expression Language): no side effects, no loops beyond bounded
 * macros, no access to JavaScript objects' prototypes. They are parsed when a workflow is
 * loaded, so a mistake is a validation error with a position, not a surprise mid-run.
 */
import { Environment } from "@marcbachmann/cel-js";
import type { ASTNode } from "@marcbachmann/cel-js";
import { estimateCost } from "./expression-cost.js";
import { EXPRESSION_BUDGET, LIMITS } from "./limits.js";
import { triggerGeneration, triggerVariables } from "../triggers/registry.js";

/** The variables every run has; the trigger types add theirs (`pullRequest`, `finding`, `inputs`). */
const RUN_VARIABLES = ["event", "repository", "steps", "run", "workflow"] as const;

/** The variables an expression may read (documented in the README's "Expressions" section). */
export function contextVariables(): string[] {
  const [event, repository, ...rest] = RUN_VARIABLES;
  return [event, repository, ...triggerVariables(), ...rest];
}

/** Member names that reach into JavaScript object internals; refused wherever they appear. */
const FORBIDDEN_MEMBERS = new Set([
  "__proto__",
  "constructor",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
]);

/** Functions refused at validation: regular expressions can take exponential time on hostile input. */
const FORBIDDEN_FUNCTIONS = new Map([["matches", "matches() is not available (regular expressions can take exponential time); use contains, startsWith or endsWith"]]);

let environment: Environment | undefined;
/** The trigger types the environment was built for. */
let builtFor = -1;

/** The shared CEL environment: the context variables, all dynamically typed, with tight limits. */
export function celEnvironment(): Environment {
  if (environment && builtFor === triggerGeneration()) return environment;
  const e = new Environment({
    homogeneousAggregateLiterals: false,
    limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 },
  });
  for (const name of contextVariables()) e.registerVariable(name, "dyn");
  environment = e;
  builtFor = triggerGeneration();
  return e;
}

/** A problem in an expression; `offset` is the character offset inside the expression text. */
export interface ExpressionProblem {
  offset: number;
  message: string;
}

export interface ExpressionCheckOptions {
  /** Ids of the workflow's steps, to catch `steps.typo` early. */
  stepIds?: readonly string[];
}

/** Parses and checks one CEL expression; returns the problems found (none when it is fine). */
export function checkExpression(source: string, options: ExpressionCheckOptions = {}): ExpressionProblem[] {
  if (source.trim() === "") return [{ offset: 0, message: "the expression is empty" }];
  if (source.length > LIMITS.maxExpressionLength) {
    return [{ offset: 0, message: `the expression is too long (${source.length} characters; at most ${LIMITS.maxExpressionLength})` }];
  }
  let ast: ASTNode;
  try {
    ast = celEnvironment().parse(source).ast;
  } catch (err) {
    return [celProblem(err)];
  }
  const problems: ExpressionProblem[] = [];
  walk(ast, (node) => inspectNode(node, options, problems));
  if (problems.length > 0) return problems;
  const estimate = estimateCost(ast);
  if (estimate.cost > EXPRESSION_BUDGET.maxSteps) {
    return [
      {
        offset: estimate.offset ?? 0,
        message:
          `the expression may cost too much: its worst case is about ${formatCost(estimate.cost)} evaluation steps, ` +
          `over the bound of ${EXPRESSION_BUDGET.maxSteps.toLocaleString("en")} (nested all/exists/map/filter multiply; ` +
          `lists and texts of the event are assumed to hold up to ${EXPRESSION_BUDGET.assumedContextSize.toLocaleString("en")} items)`,
      },
    ];
  }
  const checked = celEnvironment().check(source);
  if (!checked.valid && checked.error) {
    const p = celProblem(checked.error);
    if (/Unknown variable/.test(p.message)) {
      const name = /Unknown variable: (\S+)/.exec(p.message)?.[1] ?? "";
      p.message = `unknown variable "${name}"; expressions can use ${contextVariables().join(", ")}`;
    }
    problems.push(p);
  }
  return problems;
}

/** One `${{ expr }}` occurrence in a template string. */
export interface TemplatePart {
  /** The expression text, trimmed. */
  expression: string;
  /** Offset of the expression text inside the template. */
  offset: number;
  /** Offsets of the whole `${{ … }}` inside the template. */
  start: number;
  end: number;
}

export type TemplateScan = { ok: true; parts: TemplatePart[] } | { ok: false; problem: ExpressionProblem };

/** Finds the `${{ … }}` expressions of a template string, honouring quotes inside them. */
export function scanTemplate(text: string): TemplateScan {
  const parts: TemplatePart[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf("${{", from);
    if (start === -1) return { ok: true, parts };
    if (parts.length >= LIMITS.maxTemplateExpressions) {
      return { ok: false, problem: { offset: start, message: `too many \${{ }} expressions in one text (at most ${LIMITS.maxTemplateExpressions})` } };
    }
    const end = findClose(text, start + 3);
    if (end === -1) return { ok: false, problem: { offset: start, message: "unclosed ${{ (missing }})" } };
    const raw = text.slice(start + 3, end);
    const lead = raw.length - raw.trimStart().length;
    parts.push({ expression: raw.trim(), offset: start + 3 + lead, start, end: end + 2 });
    from = end + 2;
  }
}

/** Checks every expression of a template string; offsets are inside the template text. */
export function checkTemplate(text: string, options: ExpressionCheckOptions = {}): ExpressionProblem[] {
  const scan = scanTemplate(text);
  if (!scan.ok) return [scan.problem];
  return scan.parts.flatMap((part) =>
    checkExpression(part.expression, options).map((p) => ({ offset: part.offset + p.offset, message: p.message })),
  );
}

function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "}" && text[i + 1] === "}") {
      return i;
    }
  }
  return -1;
}

/** Records the problems of one node; returns false when its children need no further look. */
function inspectNode(node: ASTNode, options: ExpressionCheckOptions, out: ExpressionProblem[]): boolean {
  const n = node as unknown as { op: string; args: unknown; pos?: number; start?: number };
  const offset = n.pos ?? n.start ?? 0;
  const member = memberName(n);
  if (member !== undefined && FORBIDDEN_MEMBERS.has(member)) {
    out.push({ offset, message: `"${member}" cannot be accessed in an expression` });
    return false;
  }
  if (n.op === "value" && typeof n.args === "string" && FORBIDDEN_MEMBERS.has(n.args)) {
    // Also as a computed key (`x[dyn("__proto__")]`); evaluation refuses inherited keys too.
    out.push({ offset, message: `"${n.args}" cannot be used in an expression` });
    return false;
  }
  if (n.op === "call" || n.op === "rcall") {
    const fn = String((n.args as unknown[])[0]);
    if (FORBIDDEN_MEMBERS.has(fn)) {
      out.push({ offset, message: `"${fn}" cannot be called in an expression` });
      return false;
    }
    const why = FORBIDDEN_FUNCTIONS.get(fn);
    if (why) out.push({ offset, message: why });
  }
  if (member !== undefined && options.stepIds && isStepsRoot(n)) {
    if (!options.stepIds.includes(member)) {
      out.push({ offset, message: `unknown step "${member}" in steps.${member} (known: ${options.stepIds.join(", ")})` });
    }
  }
  return true;
}

/** The constant member name of `a.b`, `a.?b`, `a["b"]` or `a[?"b"]`, if there is one. */
function memberName(n: { op: string; args: unknown }): string | undefined {
  if (n.op === "." || n.op === ".?") return String((n.args as unknown[])[1]);
  if (n.op === "[]" || n.op === "[?]") {
    const index = (n.args as unknown[])[1] as { op?: string; args?: unknown } | undefined;
    if (index?.op === "value" && typeof index.args === "string") return index.args;
  }
  return undefined;
}

function isStepsRoot(n: { args: unknown }): boolean {
  const target = (n.args as unknown[])[0] as { op?: string; args?: unknown } | undefined;
  return target?.op === "id" && target.args === "steps";
}

/** Visits every node; a visitor returning false skips that node's children. */
function walk(node: unknown, visit: (n: ASTNode) => boolean): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (node && typeof node === "object" && "op" in node) {
    if (!visit(node as ASTNode)) return;
    walk((node as unknown as { args: unknown }).args, visit);
  }
}

function formatCost(cost: number): string {
  if (!Number.isFinite(cost) || cost >= 1e15) return cost >= 1e15 && Number.isFinite(cost) ? cost.toExponential(1) : "infinitely many";
  return Math.round(cost).toLocaleString("en");
}

function celProblem(err: unknown): ExpressionProblem {
  const e = err as { summary?: string; message?: string; range?: { start: number } };
  const message = (e.summary ?? e.message ?? String(err)).split("\n")[0]!;
  return { offset: e.range?.start ?? 0, message: `invalid expression: ${message}` };
}
