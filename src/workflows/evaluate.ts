import { conditionSource } from "./conditions.js";
import { celEnvironment, scanTemplate } from "./expressions.js";

/** An expression that failed while a run evaluated it (a missing field, a type mismatch). */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
    this.name = "ExpressionError";
  }
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

/** Evaluates one CEL expression against a context already passed through toCelValue. */
export function evaluateExpression(expression: string, context: Record<string, unknown>): unknown {
  try {
    return fromCelValue(celEnvironment().evaluate(expression, context));
  } catch (err) {
    const e = err as { summary?: string; message?: string };
    throw new ExpressionError(`${(e.summary ?? e.message ?? String(err)).split("\n")[0]} in \${{ ${expression} }}`, expression);
  }
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

/** Replaces every `${{ expr }}` of a text with its value: text as is, data as JSON, null as nothing. */
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

/** Renders every string inside a parameters object; other values are kept as they are. */
export function renderParameters<T>(value: T, context: Record<string, unknown>): T {
  if (typeof value === "string") return renderTemplate(value, context) as T;
  if (Array.isArray(value)) return value.map((v) => renderParameters(v, context)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderParameters(v, context)])) as T;
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
