/** GitHub's cap on a check run's `output.summary` and `output.text`, in characters. */
export const GITHUB_TEXT_LIMIT = 65_535;

/** Builds the line appended to a cut text, given how many characters were left out. */
export type TruncationMarker = (omitted: number) => string;

/** The default marker: says plainly that something is missing, and why. */
export const defaultMarker: TruncationMarker = (omitted) =>
  `\n\n… truncated: ${omitted.toLocaleString("en-US")} more characters not shown (GitHub allows ${GITHUB_TEXT_LIMIT.toLocaleString("en-US")})`;

/** Cuts that land further back than this fraction of the budget give up on the line boundary. */
const MIN_LINE_CUT = 0.5;

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

/**
 * The longest prefix of `text` of at most `max` characters that ends at a line boundary (the
 * newline dropped), or a plain cut when the last boundary is too far back. Never splits a
 * surrogate pair: JavaScript counts UTF-16 units, GitHub counts characters, so a count in
 * units is always safe against GitHub's limit.
 */
export function cutAtLine(text: string, max: number): string {
  if (text.length <= max) return text;
  const newline = text.lastIndexOf("\n", max);
  if (newline >= max * MIN_LINE_CUT) return text.slice(0, newline);
  return cutAt(text, max);
}

function cutAt(text: string, max: number): string {
  let end = Math.max(0, max);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--; // a high surrogate without its pair
  return text.slice(0, end);
}
