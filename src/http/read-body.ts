/** Reads webhook bodies within bounds (a size cap, a timeout, a byte budget all requests share) and checks JSON nesting depth before JSON.parse. */
import type { IncomingMessage } from "node:http";

/** The bytes held by every request being read at once: a flood of large bodies costs at most `max`. */
export class BodyBudget {
  #used = 0;
  constructor(readonly max: number) {}

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` from the budget, or nothing and false when they do not fit. */
  take(bytes: number): boolean {
    if (this.#used + bytes > this.max) return false;
    this.#used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

export type BodyResult =
  | { ok: true; body: Buffer; /** Gives the body's bytes back to the budget. */ release(): void }
  | { ok: false; status: 400 | 408 | 413 | 503; reason: string };

export interface BodyLimits {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
}

/**
 * Reads a request body, at most `maxBodyBytes` of it, counting against `budget` chunk by chunk:
 * a body declared or found larger is refused as it streams in (nothing past the cap is kept), and
 * one that does not arrive within `bodyTimeoutMs` is refused too. Never rejects: a client that
 * goes away mid-body gives a 400 nobody reads.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits, budget: BodyBudget): Promise<BodyResult> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limits.maxBodyBytes) {
    return Promise.resolve({ ok: false, status: 413, reason: `body larger than ${limits.maxBodyBytes} bytes` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let taken = 0;
    let settled = false;
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
      if (!result.ok) {
        chunks.length = 0;
        budget.release(taken);
      }
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) return settle({ ok: false, status: 413, reason: `body larger than ${limits.maxBodyBytes} bytes` });
      if (!budget.take(chunk.length)) return settle({ ok: false, status: 503, reason: "too many webhook bytes in flight" });
      taken += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      chunks.length = 0;
      let released = false;
      const bytes = taken;
      settle({
        ok: true,
        body,
        release: () => {
          if (!released) budget.release(bytes);
          released = true;
        },
      });
    };
    const onGone = () => settle({ ok: false, status: 400, reason: "request body ended early" });
    const timer = setTimeout(() => settle({ ok: false, status: 408, reason: `body not received within ${limits.bodyTimeoutMs} ms` }), limits.bodyTimeoutMs);
    timer.unref?.();
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onGone);
  });
}

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`. A linear scan of the bytes
 * (brackets inside strings do not count), done before JSON.parse so that a 100,000-deep `[[[…]]]`
 * never reaches the parser, the store's JSON.stringify or a recursive reader.
 */
export function nestedDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped character
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x5b || b === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (b === 0x5d || b === 0x7d) {
      depth--;
    }
  }
  return false;
}
