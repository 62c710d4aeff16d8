/** The `fetch` the app's Octokit calls GitHub with: node:http(s) over the shared keep-alive agents, far cheaper in CPU than Node's own fetch. */
import { gunzipSync, inflateSync, brotliDecompressSync } from "node:zlib";
import { isRedirect, transportFor } from "../net/http-transport.js";

/**
 * The `fetch` the engine's Octokit calls GitHub with: node:http(s) over keep-alive agents,
 * answers read whole into a Buffer. It does what Octokit asks of fetch (method, headers, a
 * string or bytes body, an abort signal, redirects; status, headers, text/json/arrayBuffer)
 * for a fraction of the CPU of Node's built-in fetch, whose WHATWG streams cost more than the
 * request itself (measured: a third of the engine thread's time went to fetch). Anything else
 * (a streamed body, a Request object) goes to the built-in fetch.
 */
export type FetchLike = (input: string | URL, init?: FetchInit) => Promise<FetchAnswer>;

export interface FetchInit {
  method?: string;
  headers?: Record<string, string> | [string, string][] | Headers;
  body?: string | Uint8Array | null;
  signal?: AbortSignal | null;
  redirect?: "follow" | "manual" | "error";
}

/** What Octokit reads of a fetch Response. */
export interface FetchAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: AnswerHeaders;
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** An answer longer than its cap: it was cut off, unread. */
export class AnswerTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
    this.name = "AnswerTooLarge";
  }
}

const MAX_REDIRECTS = 20;

/** A fetch over node:http(s); with `maxBytes`, an answer past that many bytes is cut off (AnswerTooLarge). */
export function createHttpFetch(options: { maxBytes?: number } = {}): typeof fetch {
  const maxBytes = options.maxBytes ?? Infinity;
  const lean = async (input: unknown, init: Record<string, unknown> = {}): Promise<unknown> => {
    const body = init.body;
    const simple =
      (typeof input === "string" || input instanceof URL) &&
      (body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array) &&
      (init.headers === undefined || typeof init.headers === "object");
    if (!simple) {
      if (Number.isFinite(maxBytes)) throw new TypeError("a capped fetch takes a URL and a string or bytes body");
      return fetch(input as string, init as RequestInit);
    }
    return request(new URL(String(input)), normalise(init as FetchInit), maxBytes, 0);
  };
  return lean as unknown as typeof fetch;
}

/** The app's shared instance. */
export const httpFetch = createHttpFetch();

interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  signal: AbortSignal | undefined;
  redirect: "follow" | "manual" | "error";
}

function normalise(init: FetchInit): Outgoing {
  const headers: Record<string, string> = {};
  const given: unknown = init.headers;
  const pairs: [string, string][] = given instanceof Headers ? [...given] : Array.isArray(given) ? (given as [string, string][]) : Object.entries((given ?? {}) as Record<string, string>);
  for (const [name, value] of pairs) headers[name.toLowerCase()] = String(value);
  return {
    method: (init.method ?? "GET").toUpperCase(),
    headers,
    body: init.body ?? undefined,
    signal: init.signal ?? undefined,
    redirect: init.redirect ?? "follow",
  };
}

function request(url: URL, out: Outgoing, maxBytes: number, redirects: number): Promise<FetchAnswer> {
  return new Promise<FetchAnswer>((resolve, reject) => {
    if (out.signal?.aborted) return reject(abortError(out.signal));
    const transport = transportFor(url.protocol);
    if (!transport) return reject(new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${url.protocol}`) }));
    const { agent } = transport;
    const headers = { ...out.headers };
    if (out.body !== undefined) headers["content-length"] = String(typeof out.body === "string" ? Buffer.byteLength(out.body) : out.body.byteLength);
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      out.signal?.removeEventListener("abort", onAbort);
      reject(err);
    };
    const req = transport.request(url, { method: out.method, headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (out.redirect !== "manual" && isRedirect(status) && typeof location === "string") {
        res.resume();
        if (out.redirect === "error") return fail(new TypeError("fetch failed", { cause: new Error(`redirected to ${location}`) }));
        if (redirects >= MAX_REDIRECTS) return fail(new TypeError("fetch failed", { cause: new Error("too many redirects") }));
        settled = true;
        out.signal?.removeEventListener("abort", onAbort);
        const next = new URL(location, url);
        resolve(request(next, redirected(out, status, url, next), maxBytes, redirects + 1).then((answer) => withRedirected(answer)));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          req.destroy();
          return fail(new AnswerTooLarge(maxBytes));
        }
        chunks.push(chunk);
      });
      res.on("error", (err) => fail(out.signal?.aborted ? abortError(out.signal) : new TypeError("fetch failed", { cause: err })));
      res.on("end", () => {
        if (settled) return;
        settled = true;
        out.signal?.removeEventListener("abort", onAbort);
        try {
          resolve(answer(url.href, status, res.statusMessage ?? "", res.rawHeaders, decode(Buffer.concat(chunks), res.headers["content-encoding"])));
        } catch (err) {
          reject(new TypeError("fetch failed", { cause: err }));
        }
      });
    });
    const onAbort = () => {
      req.destroy();
      fail(abortError(out.signal!));
    };
    out.signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err) => fail(out.signal?.aborted ? abortError(out.signal) : new TypeError("fetch failed", { cause: err })));
    req.end(out.body);
  });
}

/** The request a redirect asks for, as fetch makes it: 303 (and 301/302 after a POST) become a GET without body; credentials do not go to another origin. */
function redirected(out: Outgoing, status: number, from: URL, to: URL): Outgoing {
  const headers = { ...out.headers };
  let { method, body } = out;
  if (status === 303 ? method !== "HEAD" : (status === 301 || status === 302) && method === "POST") {
    method = "GET";
    body = undefined;
    for (const name of ["content-type", "content-length", "content-encoding", "content-language", "content-location"]) delete headers[name];
  }
  if (from.origin !== to.origin) delete headers.authorization;
  return { ...out, method, headers, body };
}

function withRedirected(answer: FetchAnswer): FetchAnswer {
  return Object.defineProperty(answer, "redirected", { value: true });
}

function decode(bytes: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return gunzipSync(bytes);
    case "deflate":
      return inflateSync(bytes);
    case "br":
      return brotliDecompressSync(bytes);
    default:
      return bytes;
  }
}

function answer(url: string, status: number, statusText: string, raw: string[], bytes: Buffer): FetchAnswer {
  return {
    status,
    statusText,
    ok: status >= 200 && status < 300,
    url,
    redirected: false,
    headers: new AnswerHeaders(raw),
    get body() {
      return new Blob([bytes]).stream();
    },
    text: async () => bytes.toString("utf8"),
    json: async () => JSON.parse(bytes.toString("utf8")) as unknown,
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}

/** Response headers as fetch shows them: lower-case names, repeated ones joined with ", ". */
export class AnswerHeaders implements Iterable<[string, string]> {
  readonly #values = new Map<string, string>();

  constructor(raw: string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const known = this.#values.get(name);
      this.#values.set(name, known === undefined ? raw[i + 1]! : `${known}, ${raw[i + 1]!}`);
    }
  }

  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this) fn(value, name);
  }

  entries(): IterableIterator<[string, string]> {
    return [...this.#values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[Symbol.iterator]();
  }

  keys(): IterableIterator<string> {
    return [...this.entries()].map(([name]) => name)[Symbol.iterator]();
  }

  values(): IterableIterator<string> {
    return [...this.entries()].map(([, value]) => value)[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("This operation was aborted", "AbortError");
}
