/** Markdown for check runs built from untrusted text: escaping, code spans and fences that cannot be closed early, safe links, one-line plain text. */

/** C0/C1 controls (tab and newlines aside) and the bidirectional overrides behind "Trojan Source" spoofing. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function stripControls(text: string): string {
  return text.replace(CONTROLS, "");
}

export function oneLine(text: string): string {
  return stripControls(text.replace(/\r\n?|\n/g, " ⏎ "));
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Inline Markdown for untrusted text (names, ids, messages): one line, with every character
 * that could start emphasis, a link, an image, HTML, math, a code span or a table cell
 * boundary backslash-escaped, so the text renders literally, also inside table cells.
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>|~$&!]/g, "\\$&");
}

/** Plain text for fields GitHub does not render as Markdown (check name, title): one line, capped. */
export function plainText(text: string, max: number): string {
  return clip(oneLine(text).replace(/\s+/g, " ").trim(), max);
}

/** A code span that holds any text: the delimiter is longer than every backtick run inside. */
export function codeSpan(text: string): string {
  const content = oneLine(text).replace(/\|/g, "¦"); // a `|` splits table cells even inside code
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const tick = "`".repeat(longest + 1);
  const pad = content.startsWith("`") || content.endsWith("`") ? " " : "";
  return `${tick}${pad}${content}${pad}${tick}`;
}

/** A fence for a code block: longer than every backtick run in the content, so it cannot be closed early. */
export function fenceFor(content: string): string {
  const longest = Math.max(0, ...(content.match(/`{3,}/g) ?? []).map((run) => run.length));
  return "`".repeat(Math.max(3, longest + 1));
}

/**
 * `[text](<url>)` for http(s) URLs without credentials; "" for anything else (a `javascript:`
 * URL, a URL with a token in it). Characters that could end the link or a table cell are
 * percent-encoded.
 */
export function markdownLink(text: string, url: unknown): string {
  if (typeof url !== "string" || !URL.canParse(url)) return "";
  const parsed = new URL(url);
  if ((parsed.protocol !== "https:" && parsed.protocol !== "http:") || parsed.username || parsed.password) return "";
  const href = parsed.href.replace(/[^A-Za-z0-9\-._~:/?#@!$&'*+,;=%]/g, (c) => encodeURIComponent(c).replace(/[()']/g, (p) => `%${p.charCodeAt(0).toString(16).toUpperCase()}`));
  return `[${escapeMarkdown(text)}](<${href}>)`;
}
