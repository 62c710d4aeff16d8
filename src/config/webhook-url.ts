/**
 * Which webhook URLs the operator may configure. Repositories never name URLs (only
 * channels), so this is about operator mistakes, not attackers: https everywhere, plain http
 * only to this machine, for local testing against a fake Slack.
 */

/** Hosts `http:` is allowed for, as WHATWG URL parsing spells them. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const HTTPS_ONLY = "must be an https URL (http is allowed only for 127.0.0.1, localhost and [::1], for local testing)";

/** Why a webhook URL is refused, or undefined when it is fine; the reason never quotes the URL. */
export function webhookUrlProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return `${HTTPS_ONLY}; this value is not a URL`;
  const url = new URL(value);
  if (url.protocol === "http:") {
    if (!LOOPBACK_HOSTS.has(url.hostname)) return HTTPS_ONLY;
  } else if (url.protocol !== "https:") {
    return HTTPS_ONLY;
  }
  if (url.hostname === "") return `${HTTPS_ONLY}; this one has no host`;
  // A password in the URL would be sent as Basic auth and shown by anything that logs URLs.
  if (url.username !== "" || url.password !== "") return "must not hold a user name or password";
  return undefined;
}
