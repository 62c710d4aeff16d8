/**
 * Readers for untrusted payloads: own properties only, one-line display text, required fields
 * that name their JSON pointer when missing. Shared by the finding mapping and the handlers.
 */
import type { Finding } from "../domain/finding.js";
import { toPointer } from "../domain/paths.js";

/** C0/C1 controls (newlines included: these are one-line fields), bidi overrides, lone surrogates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

/** One-line display text: cut to `max` characters first (so a huge string costs no more than a short one), then cleaned. */
export function display(value: string, max: number): string {
  let s = value;
  if (s.length > max) {
    let end = max - 1;
    const code = s.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--; // keep surrogate pairs whole
    s = s.slice(0, end) + "…";
  }
  return s.replace(UNSAFE_ALL, " ").trim();
}

/** Display text of an optional field. */
export function optionalDisplay(value: unknown, max: number): string | undefined {
  const s = text(value);
  return s === undefined ? undefined : display(s, max) || undefined;
}

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Walks own properties only: a key like `__proto__` or `constructor` never reaches Object.prototype. */
export function read(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** A non-empty string, or undefined (GitHub sends "" and null for "none"). */
export function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A positive whole number, or undefined. */
export function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** A required integer of a payload; throws naming its JSON pointer. */
export function requiredInteger(payload: unknown, path: string[], event: string): number {
  const value = read(payload, ...path);
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new Error(`${event} payload: ${toPointer(path)} must be an integer`);
  return value;
}

/** A required non-empty string of a payload; throws naming its JSON pointer. */
export function requiredText(payload: unknown, path: string[], event: string): string {
  const value = text(read(payload, ...path));
  if (value === undefined) throw new Error(`${event} payload: ${toPointer(path)} must be a non-empty string`);
  return value;
}

/** Drops undefined optional fields, so a finding stores and compares as exactly what was known. */
export function compact(finding: Finding): Finding {
  return Object.fromEntries(Object.entries(finding).filter(([, v]) => v !== undefined)) as unknown as Finding;
}
