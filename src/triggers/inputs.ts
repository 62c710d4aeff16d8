/**
 * The inputs of a manual run: the text a person gave (`key=value`), checked and typed against
 * the manual trigger's `inputs`. Values are data, never evaluated.
 */
import type { InputSpec, ManualConfig } from "../domain/workflow.js";
import { quoteUserText } from "../domain/text.js";
import { didYouMean } from "../domain/suggest.js";

/** A typed input value, as expressions see it (`inputs.<name>`). */
export type InputValue = string | number | boolean;

/** The typed inputs, or every problem found (each naming its input). */
export type InputResolution = { ok: true; values: Record<string, InputValue> } | { ok: false; errors: string[] };

/** Checks given inputs against a manual trigger's spec: unknown and missing ones, types, options; fills defaults. */
export function resolveInputs(spec: ManualConfig["inputs"] | undefined, given: Record<string, string>): InputResolution {
  const specs = spec ?? {};
  const names = Object.keys(specs);
  const errors: string[] = [];
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(specs, key)) errors.push(unknownInput(key, names));
  }
  const values = new Map<string, InputValue>();
  for (const name of names) {
    const input = specs[name]!;
    if (Object.hasOwn(given, name)) {
      const result = typed(name, input, given[name]!);
      if (typeof result === "object") errors.push(result.error);
      else values.set(name, result);
    } else if (input.required) {
      // A required input is asked of the person even when it has a default: that is what required says.
      errors.push(`input "${name}" is required`);
    } else if (input.default !== undefined) {
      values.set(name, input.default);
    }
  }
  // fromEntries defines own properties: no input name can reach Object.prototype.
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values: Object.fromEntries(values) };
}

function unknownInput(key: string, names: string[]): string {
  if (names.length === 0) return `unknown input ${quoteUserText(key)}: this workflow takes no inputs`;
  return `unknown input ${quoteUserText(key)}${didYouMean(key, names)}; known inputs: ${names.join(", ")}`;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, yes: true, "1": true, false: false, no: false, "0": false };

/** The value in the input's type, or an error naming the input. */
function typed(name: string, input: InputSpec, raw: string): InputValue | { error: string } {
  let value: InputValue = raw;
  if (input.type === "number") {
    // Number() alone would take "", " ", "0x1f" and "Infinity"; only decimal notation is a number here.
    const n = DECIMAL.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isFinite(n)) return { error: `input "${name}" must be a number; got ${quoteUserText(raw)}` };
    value = n;
  } else if (input.type === "boolean") {
    const key = raw.trim().toLowerCase();
    if (!Object.hasOwn(BOOLEANS, key)) return { error: `input "${name}" must be true or false (or yes/no, 1/0); got ${quoteUserText(raw)}` };
    value = BOOLEANS[key]!;
  }
  const options = input.options;
  if (options && !options.some((o) => String(o) === String(value))) {
    const listed = options.map(String);
    return { error: `input "${name}" must be one of ${listed.join(", ")}; got ${quoteUserText(raw)}${didYouMean(raw, listed)}` };
  }
  return value;
}
