/** Fits text into GitHub's 65,535-character check-run output, cutting at a line and saying what was left out; used by the check-run renderers. */
import { cutAt, cutAtLine } from "../domain/text.js";

// Re-exported for the renderers: the cut itself is in domain/, so the notifier can share it.
export { cutAtLine } from "../domain/text.js";

/** GitHub's cap on a check run's `output.summary` and `output.text`, in characters. */
export const GITHUB_TEXT_LIMIT = 65_535;

/** Builds the line appended to a cut text, given how many characters were left out. */
export type TruncationMarker = (omitted: number) => string;

/** The default marker: says plainly that something is missing, and why. */
export const defaultMarker: TruncationMarker = (omitted) =>
  `\n\n… truncated: ${omitted.toLocaleString("en-US")} more characters not shown (GitHub allows ${GITHUB_TEXT_LIMIT.toLocaleString("en-US")})`;

/**
 * Shortens `text` to at most `limit` characters, cutting at a line boundary when one is near,
 * and appends `marker` so a reader knows something is missing. Text that fits is returned as is.
 */
export function truncate(text: string, limit = GITHUB_TEXT_LIMIT, marker: TruncationMarker | string = defaultMarker): string {
  if (text.length <= limit) return text;
  const markerFor = typeof marker === "string" ? () => marker : marker;
  // The marker's length depends on the count it shows; sizing it for the whole text is an
  // upper bound, since fewer omitted characters never need more digits.
  const budget = limit - markerFor(text.length).length;
  if (budget <= 0) return cutAt(text, limit); // no room for a marker: a hard cut still respects the limit
  const kept = cutAtLine(text, budget);
  return kept + markerFor(text.length - kept.length);
}
