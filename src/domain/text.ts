/** Cuts that land further back than this fraction of the budget give up on the line boundary. */
const MIN_LINE_CUT = 0.5;

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

/** The first `max` UTF-16 units of `text` (none below 0), one fewer when the cut would split a surrogate pair. */
export function cutAt(text: string, max: number): string {
  let end = Math.max(0, max);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--; // a high surrogate without its pair
  return text.slice(0, end);
}

/** User text in a message: quoted, and cut so that an error never repeats a whole comment. */
export function quoteUserText(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 59)}…` : text);
}

/** Text for one cell of a Markdown table: pipes escaped, angle brackets as entities, line breaks as spaces. */
export function escapeTableCell(text: string): string {
  return text.replace(/[|<>\n\r]/g, (c) => (c === "|" ? "\\|" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : " "));
}
