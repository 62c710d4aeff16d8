/** The REST API's query parameters: each read, bounded and checked, with a 400 that names it. */
import { badQuery } from "./respond.js";

/** `limit`: 1 to `max`, default `fallback`. */
export function limitParam(query: URLSearchParams, fallback = 50, max = 200): number {
  const raw = query.get("limit");
  if (raw === null) return fallback;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw badQuery("limit", `must be a whole number from 1 to ${max}`);
  return Number(raw);
}

/** A text parameter, at most `maxLength` characters; undefined when absent. */
export function textParam(query: URLSearchParams, name: string, maxLength = 200): string | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (raw === "" || raw.length > maxLength) throw badQuery(name, `must be 1 to ${maxLength} characters`);
  return raw;
}

/** A positive whole-number parameter (an installation id); undefined when absent. */
export function idParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw badQuery(name, "must be a positive whole number");
  return Number(raw);
}

/** One of `values`; undefined when absent. */
export function enumParam<T extends string>(query: URLSearchParams, name: string, values: readonly T[]): T | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!(values as readonly string[]).includes(raw)) throw badQuery(name, `must be one of ${values.join(", ")}`);
  return raw as T;
}

/** Refuses parameters a route does not know, and one given twice: a misspelt or repeated filter must not silently list everything. */
export function onlyParams(query: URLSearchParams, known: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!known.includes(name)) throw badQuery(name, `unknown parameter; this endpoint takes ${known.length ? known.join(", ") : "none"}`);
    // `?limit=1&limit=500`: the reader would take the first and ignore the rest, silently.
    if (seen.has(name)) throw badQuery(name, "is given more than once; give it once");
    seen.add(name);
  }
}
