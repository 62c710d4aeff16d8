/**
 * A worst-case cost estimate for a CEL expression, made at validation, in the spirit of
 * cel-go's cost estimator: every node costs one evaluation step, a comprehension (`all`,
 * `exists`, `exists_one`, `map`, `filter`) costs its body once per element, so nested
 * comprehensions multiply, and work proportional to a text or list (`split`, `contains`, `+`,
 * `in`, `==`) costs a tenth of a step per element or character.
 *
 * Sizes are tracked as upper bounds: literals have their own size, and a value read from the
 * context (a list, a map or a text of the event) is assumed to hold at most
 * `EXPRESSION_BUDGET.assumedContextSize` elements or characters. The runtime budget
 * (evaluate.ts) enforces the same step bound on the real data, so an expression that passes
 * here only meets that budget on data larger than the assumption.
 */
import type { ASTNode } from "@marcbachmann/cel-js";
import { EXPRESSION_BUDGET } from "./limits.js";

/** Upper bounds on a value: its size (elements or characters), its elements' size, and anything deeper. */
interface Shape {
  size: number;
  elem: number;
  deep: number;
}

interface Estimate extends Shape {
  cost: number;
}

export interface CostEstimate {
  /** Estimated worst-case evaluation steps. */
  cost: number;
  /** Offset (in the expression) of the innermost node whose own cost passes the bound, if any. */
  offset?: number;
}

type Scope = ReadonlyMap<string, Shape>;

interface RawNode {
  op: string;
  args: unknown;
  pos?: number;
  start?: number;
}

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);
const SCAN_FUNCTIONS = new Set(["contains", "startsWith", "endsWith", "indexOf", "lastIndexOf", "matches"]);
const TEXT_FUNCTIONS = new Set(["lowerAscii", "upperAscii", "trim", "substring", "charAt", "quote", "reverse"]);
const SCALAR_OPS = new Set(["&&", "||", "<", "<=", ">", ">=", "-", "*", "/", "%", "!_", "-_"]);
/** Work per element or character, in steps. */
const PER_ITEM = 0.1;

/** Estimates the worst-case cost of a parsed expression. */
export function estimateCost(ast: ASTNode): CostEstimate {
  const estimator = new Estimator(EXPRESSION_BUDGET.maxSteps);
  const { cost } = estimator.node(ast as unknown as RawNode, new Map());
  return { cost, offset: estimator.offset };
}

class Estimator {
  offset: number | undefined;
  readonly #bound: number;
  readonly #context: Shape;

  constructor(bound: number) {
    this.#bound = bound;
    const n = EXPRESSION_BUDGET.assumedContextSize;
    this.#context = { size: n, elem: n, deep: n };
  }

  node(node: RawNode, scope: Scope): Estimate {
    const e = this.#estimate(node, scope);
    // The first node to pass the bound is the innermost one: the place to point at.
    if (this.offset === undefined && e.cost > this.#bound) this.offset = node.pos ?? node.start ?? 0;
    return e;
  }

  #estimate(node: RawNode, scope: Scope): Estimate {
    const args = node.args;
    switch (node.op) {
      case "value":
        return { cost: 1, ...literalShape(args) };
      case "id":
        return { cost: 1, ...(scope.get(String(args)) ?? this.#context) };
      case ".":
      case ".?":
      case "[]":
      case "[?]": {
        const [target, index] = args as [RawNode, RawNode | string];
        const t = this.node(target, scope);
        const i = typeof index === "object" ? this.node(index, scope).cost : 0;
        return { cost: 1 + t.cost + i, size: t.elem, elem: t.deep, deep: t.deep };
      }
      case "list": {
        const items = (args as RawNode[]).map((a) => this.node(a, scope));
        return {
          cost: 1 + sum(items.map((i) => i.cost)),
          size: items.length,
          elem: max(items.map((i) => i.size)),
          deep: max(items.flatMap((i) => [i.elem, i.deep])),
        };
      }
      case "map": {
        const entries = (args as [RawNode, RawNode][]).map(([k, v]) => [this.node(k, scope), this.node(v, scope)] as const);
        return {
          cost: 1 + sum(entries.map(([k, v]) => k.cost + v.cost)),
          size: entries.length,
          elem: max(entries.map(([, v]) => v.size)),
          deep: max(entries.flatMap(([, v]) => [v.elem, v.deep])),
        };
      }
      case "?:": {
        const [c, a, b] = (args as RawNode[]).map((x) => this.node(x, scope)) as [Estimate, Estimate, Estimate];
        return { cost: 1 + c.cost + Math.max(a.cost, b.cost), ...widest([a, b]) };
      }
      case "+": {
        const [a, b] = (args as RawNode[]).map((x) => this.node(x, scope)) as [Estimate, Estimate];
        const size = a.size + b.size;
        return { cost: 1 + a.cost + b.cost + size * PER_ITEM, size, elem: Math.max(a.elem, b.elem), deep: Math.max(a.deep, b.deep) };
      }
      case "in":
      case "==":
      case "!=": {
        const [a, b] = (args as RawNode[]).map((x) => this.node(x, scope)) as [Estimate, Estimate];
        // Membership scans the list; equality of two lists or texts compares them element by element.
        const scan = node.op === "in" ? b.size * (1 + b.elem * PER_ITEM) : Math.min(a.size, b.size) * (1 + Math.min(a.elem, b.elem) * PER_ITEM) * PER_ITEM;
        return { cost: 1 + a.cost + b.cost + scan, size: 0, elem: 0, deep: 0 };
      }
      case "rcall":
        return this.#receiverCall(args as [string, RawNode, RawNode[]], scope);
      case "call":
        return this.#call(args as [string, RawNode[]], scope);
      default: {
        const children = childNodes(args).map((x) => this.node(x, scope));
        const cost = 1 + sum(children.map((c) => c.cost));
        if (SCALAR_OPS.has(node.op)) return { cost, size: 0, elem: 0, deep: 0 };
        return { cost, ...widest(children) };
      }
    }
  }

  #receiverCall([name, receiver, args]: [string, RawNode, RawNode[]], scope: Scope): Estimate {
    const isBind = name === "bind" && receiver.op === "id" && receiver.args === "cel" && args.length === 3;
    if (isBind && args[0]!.op === "id") {
      const value = this.node(args[1]!, scope);
      const inner = new Map(scope).set(String(args[0]!.args), value);
      const body = this.node(args[2]!, inner);
      return { ...body, cost: 1 + value.cost + body.cost };
    }
    if (COMPREHENSIONS.has(name) && args.length >= 2 && args[0]!.op === "id") {
      const range = this.node(receiver, scope);
      const inner = new Map(scope).set(String(args[0]!.args), { size: range.elem, elem: range.deep, deep: range.deep });
      const body = args.slice(1).map((a) => this.node(a, inner));
      const cost = 1 + range.cost + range.size * (1 + sum(body.map((b) => b.cost)));
      if (name === "map") {
        const transform = body[body.length - 1]!;
        return { cost, size: range.size, elem: transform.size, deep: Math.max(transform.elem, transform.deep) };
      }
      if (name === "filter") return { cost, size: range.size, elem: range.elem, deep: range.deep };
      return { cost, size: 0, elem: 0, deep: 0 };
    }
    const r = this.node(receiver, scope);
    const a = args.map((x) => this.node(x, scope));
    const base = 1 + r.cost + sum(a.map((x) => x.cost));
    switch (name) {
      case "split":
        return { cost: base + r.size * PER_ITEM, size: r.size, elem: r.size, deep: 0 };
      case "join": {
        const size = r.size * (r.elem + max(a.map((x) => x.size)));
        return { cost: base + size * PER_ITEM, size, elem: 0, deep: 0 };
      }
      case "replace": {
        const size = r.size * Math.max(1, a[1]?.size ?? 1);
        return { cost: base + size * PER_ITEM, size, elem: 0, deep: 0 };
      }
      case "size":
        return { cost: base, size: 0, elem: 0, deep: 0 };
      default:
        if (SCAN_FUNCTIONS.has(name)) return { cost: base + r.size * PER_ITEM, size: 0, elem: 0, deep: 0 };
        if (TEXT_FUNCTIONS.has(name)) return { cost: base + r.size * PER_ITEM, size: r.size, elem: 0, deep: 0 };
        return { cost: base, ...widest([r, ...a]) };
    }
  }

  #call([name, args]: [string, RawNode[]], scope: Scope): Estimate {
    const a = args.map((x) => this.node(x, scope));
    const cost = 1 + sum(a.map((x) => x.cost));
    if (name === "size" || name === "has" || name === "int" || name === "uint" || name === "double" || name === "bool") {
      return { cost, size: 0, elem: 0, deep: 0 };
    }
    // string(), dyn(), bytes() and the rest keep their argument's size; the text of a list is its elements'.
    const w = widest(a);
    return { cost: cost + w.size * PER_ITEM, size: name === "string" ? w.size * Math.max(1, w.elem) : w.size, elem: w.elem, deep: w.deep };
  }
}

function literalShape(value: unknown): Shape {
  if (typeof value === "string") return { size: value.length, elem: 0, deep: 0 };
  if (value instanceof Uint8Array) return { size: value.length, elem: 0, deep: 0 };
  return { size: 0, elem: 0, deep: 0 };
}

function childNodes(args: unknown): RawNode[] {
  if (Array.isArray(args)) return args.flatMap(childNodes);
  if (args && typeof args === "object" && "op" in args) return [args as RawNode];
  return [];
}

function widest(shapes: readonly Shape[]): Shape {
  return { size: max(shapes.map((s) => s.size)), elem: max(shapes.map((s) => s.elem)), deep: max(shapes.map((s) => s.deep)) };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function max(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
}
