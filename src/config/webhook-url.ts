/**
 * Which webhook URLs the operator may configure. Repositories never name URLs (only
 * channels), so this is about operator mistakes, not attackers: https everywhere, plain http
 * only to this machine, for local testing against a fake Slack.
 */

/** Hosts `http:` is allowed for, as WHATWG URL parsing spells them. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

const HTTPS_ONLY = "must be an https URL (http is allowed only for 127.0.0.1, localhost and [::1], for local testing)";

/** Host names of cloud metadata services. */
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata", "metadata.azure.com", "instance-data", "instance-data.ec2.internal"]);

/**
 * Whether a URL host (as WHATWG URL spells it) is a private, link-local, unspecified or
 * metadata address: where a server-side request could reach the operator's own network.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (METADATA_HOSTS.has(host) || host.endsWith(".internal")) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) return isPrivateV4(v4.slice(1).map(Number));
  if (host.startsWith("[") && host.endsWith("]")) {
    const v6 = host.slice(1, -1);
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
    if (mapped) {
      const parts = mapped.length === 2 ? mapped[1]!.split(".").map(Number) : [mapped[1]!, mapped[2]!].flatMap((h) => [parseInt(h, 16) >> 8, parseInt(h, 16) & 255]);
      return isPrivateV4(parts);
    }
    if (v6 === "::") return true;
    return /^f[cd][0-9a-f]{0,2}:/.test(v6) || /^fe[89ab][0-9a-f]?:/.test(v6);
  }
  return false;
}

function isPrivateV4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b! >= 64 && b! <= 127);
}

const PRIVATE =
  "must not point at a private, link-local or metadata address (10.x, 172.16-31.x, 192.168.x, 169.254.x, fc00::/7, metadata hosts); set allowPrivateAddress: true on the channel to allow it";

/** Why a webhook URL is refused, or undefined when it is fine; the reason never quotes the URL. */
export function webhookUrlProblem(value: string, options: { allowPrivateAddress?: boolean } = {}): string | undefined {
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
  if (!options.allowPrivateAddress && isPrivateHost(url.hostname)) return PRIVATE;
  return undefined;
}
