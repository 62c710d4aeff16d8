/**
 * Hints for a value its field refuses: a corrected value, offered only when the field's own
 * rule accepts it (its schema, and for durations the compile stage's bounds too), or the value
 * another scale's word stands for. A hint that suggests another invalid value (`backoff: 30` →
 * "quote it: "30"") is worse than none. Typos of names and enum values are suggest.ts's job.
 */
import { SEVERITIES } from "../domain/workflow.js";
import { MAX_DURATION_MS, parseDuration } from "./durations.js";
import { severitySynonym } from "../events/severity.js";

/** A field's schema, as ajv reports it in an error's `parentSchema`. */
export type FieldRule = Record<string, unknown>;

/** Longest text worth rewriting: durations and versions are short. */
const MAX_REWRITTEN = 64;

/**
 * For a number or true/false written where `rule` wants a string: ` (quote it: "1.0")` when the
 * quoted text is valid for the field, else a rewrite that is (` (a version needs three numbers:
 * "1.0.0")`, ` (add a unit: "30s", …)`), else "".
 */
export function typeHint(written: string, rule: FieldRule): string {
  if (accepts(rule, written)) return ` (quote it: "${written}")`;
  return formHint(written, rule);
}

/** For a string whose form `rule` refuses: a rewrite of it that `rule` accepts, or "". */
export function formHint(text: string, rule: FieldRule): string {
  if (text.length > MAX_REWRITTEN) return "";
  return durationUnits(text, rule) ?? durationWords(text, rule) ?? semver(text, rule) ?? "";
}

/**
 * For a word an enum refuses that is another scale's word for one of its values: ` (did you
 * mean "medium"? Dependabot's "moderate" is medium here)` on our severity scale; else "". No
 * typo distance finds these: "moderate" is nowhere near "medium".
 */
export function synonymHint(word: string, allowed: readonly string[]): string {
  if (allowed.length !== SEVERITIES.length || !SEVERITIES.every((s) => allowed.includes(s))) return "";
  const synonym = severitySynonym(word);
  return synonym ? ` (did you mean "${synonym.severity}"? ${synonym.scale}'s "${word}" is ${synonym.severity} here)` : "";
}

/** `30` → `30s`, `30m`, `30h`, `30d`: a bare number where a duration is wanted, with each unit that makes it valid. */
function durationUnits(text: string, rule: FieldRule): string | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const valid = ["s", "m", "h", "d"].map((unit) => text + unit).filter((d) => isDuration(d) && accepts(rule, d));
  return valid.length > 0 ? ` (add a unit: ${orList(valid.map((d) => `"${d}"`))})` : undefined;
}

const UNIT_WORDS: Record<string, string> = {
  s: "s", sec: "s", secs: "s", second: "s", seconds: "s",
  m: "m", min: "m", mins: "m", minute: "m", minutes: "m",
  h: "h", hr: "h", hrs: "h", hour: "h", hours: "h",
  d: "d", day: "d", days: "d",
  w: "w", week: "w", weeks: "w",
};

/** `2 days` → `2d`, `1 hour 30 minutes` → `1h30m`: a duration written out in words or with spaces. */
function durationWords(text: string, rule: FieldRule): string | undefined {
  const parts = /^\s*(?:\d+\s*[a-z]+(?:\s*,\s*|\s+and\s+|\s+)?)+$/i.test(text) ? [...text.matchAll(/(\d+)\s*([a-z]+)/gi)] : [];
  if (parts.length === 0) return undefined;
  let rewritten = "";
  for (const [, n, word] of parts) {
    const unit = UNIT_WORDS[word!.toLowerCase()];
    if (unit === undefined) return undefined;
    rewritten += n! + unit;
  }
  return rewritten !== text && isDuration(rewritten) && accepts(rule, rewritten) ? ` (did you mean "${rewritten}"?)` : undefined;
}

/** `1` or `1.0` → `1.0.0`; `v1.2.0` → `1.2.0`: a version short of three numbers, or with a leading v. */
function semver(text: string, rule: FieldRule): string | undefined {
  const m = /^([vV]?)(\d+(?:\.\d+){0,2})$/.exec(text);
  if (!m) return undefined;
  const numbers = m[2]!.split(".");
  const full = [...numbers, "0", "0"].slice(0, 3).join(".");
  if (full === text || !accepts(rule, full)) return undefined;
  return numbers.length < 3 ? ` (a version needs three numbers: "${full}")` : ` (did you mean "${full}"?)`;
}

/** A duration the compile stage accepts too: longer than 0 and at most MAX_DURATION_MS. */
function isDuration(text: string): boolean {
  const ms = parseDuration(text);
  return ms !== undefined && ms > 0 && ms <= MAX_DURATION_MS;
}

/** Keywords that say nothing about validity. */
const ANNOTATIONS = new Set(["description", "x-error", "title", "$comment", "default", "examples"]);

const patterns = new Map<string, RegExp>();

/**
 * Whether `rule` accepts the string `value`. Knows the keywords the schema puts on string
 * fields; a rule with any other keyword (a format, a reference) is taken as refusing, so that
 * no hint is offered rather than one that might be wrong.
 */
export function accepts(rule: FieldRule, value: string): boolean {
  for (const [keyword, v] of Object.entries(rule)) {
    switch (keyword) {
      case "type":
        if (!(Array.isArray(v) ? v : [v]).includes("string")) return false;
        break;
      case "pattern": {
        let re = patterns.get(String(v));
        if (!re) patterns.set(String(v), (re = new RegExp(String(v), "u"))); // ajv's flags
        if (!re.test(value)) return false;
        break;
      }
      case "minLength":
      case "maxLength": {
        const length = [...value].length; // code points, as JSON Schema counts
        if (keyword === "minLength" ? length < Number(v) : length > Number(v)) return false;
        break;
      }
      case "enum":
        if (!Array.isArray(v) || !v.includes(value)) return false;
        break;
      case "const":
        if (v !== value) return false;
        break;
      default:
        if (!ANNOTATIONS.has(keyword)) return false;
    }
  }
  return true;
}

/** `["a", "b", "c"]` → `a, b or c`. */
function orList(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)!}`;
}
