/**
 * Keeping webhook URLs out of messages. A webhook URL is a bearer secret: whoever has it can
 * post to the channel. Messages about the configuration end up in logs and terminals, so
 * nothing in them may quote a URL, or a part of one, beyond its scheme.
 */
import type { DocPath } from "../domain/paths.js";
import { toDisplayPath } from "../domain/paths.js";

const URL_LIKE = /\b([a-z][a-z0-9+.-]{0,20}):\/\/[^\s"'`<>)\]]*/gi;
/** A key (channel name, field name) that can be shown: short, with nothing that belongs to a URL. */
const SHOWABLE = /^[#\p{L}\p{N}._ -]{1,80}$/u;

/** Replaces every `scheme://…` in a text with `scheme://…` (the scheme alone survives). */
export function redactUrls(text: string): string {
  return text.replace(URL_LIKE, (_match, scheme: string) => `${scheme}://…`);
}

/** Whether a key may appear in a message. */
export function isShowableKey(key: string): boolean {
  return SHOWABLE.test(key);
}

/** A key for a message: quoted when showable, `(a name not shown)` otherwise. */
export function showKey(key: string): string {
  return isShowableKey(key) ? JSON.stringify(key) : "(a name not shown)";
}

/** `notify.channels["#sec"].webhookUrl`, with any key that cannot be shown replaced by `[…]`. */
export function safeDisplayPath(path: DocPath): string {
  return toDisplayPath(path.map((seg) => (typeof seg === "number" || isShowableKey(seg) ? seg : "…")));
}

/**
 * Scrubs a message made by code we do not control (the YAML parser quotes tokens of the
 * source): URLs lose everything after the scheme, and a quoted text that is not a showable
 * key is replaced by `"…"`.
 */
export function scrubMessage(text: string): string {
  return redactUrls(text).replace(/"([^"\n]*)"/g, (whole, inner: string) => (inner === "" || isShowableKey(inner) ? whole : `"…"`));
}
