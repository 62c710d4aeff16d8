/** Signs the GitHub App's JWTs with a key parsed once, reusing each while it is valid, so that installation tokens cost no RSA signature apiece. */
import { createPrivateKey, sign, type KeyObject } from "node:crypto";

/** What @octokit/auth-app's `createJwt` option answers. */
export interface AppJwt {
  jwt: string;
  expiresAt: string;
}

/** A JWT is reused while it has this long to go (GitHub accepts one until its `exp`). */
const REUSE_MARGIN_S = 120;

/**
 * The app's JWTs (RS256, iat 30 s in the past, valid the 10 minutes GitHub allows, as
 * universal-github-app-jwt makes them), signed with a key parsed once and each reused for
 * every installation token asked for while it has two minutes or more to go. Without this,
 * every installation token costs a key import and an RSA signature (milliseconds of CPU each).
 * `timeDifference` is auth-app's correction for a clock GitHub finds off.
 */
export function cachedAppJwt(privateKey: string, clock: () => number = Date.now): (appId: number | string, timeDifference?: number) => Promise<AppJwt> {
  let key: KeyObject | undefined;
  const made = new Map<string, { jwt: string; exp: number }>();
  return async (appId, timeDifference = 0) => {
    const now = Math.floor(clock() / 1000) + (timeDifference || 0);
    const id = `${appId}:${timeDifference || 0}`;
    const known = made.get(id);
    if (known && known.exp - now >= REUSE_MARGIN_S) return { jwt: known.jwt, expiresAt: new Date(known.exp * 1000).toISOString() };
    // Private keys set in environment variables often carry escaped line breaks.
    key ??= createPrivateKey(privateKey.replace(/\\n/g, "\n"));
    const iat = now - 30;
    const exp = iat + 600;
    const unsigned = `${base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${base64url(JSON.stringify({ iat, exp, iss: appId }))}`;
    const jwt = `${unsigned}.${sign("sha256", Buffer.from(unsigned), key).toString("base64url")}`;
    made.set(id, { jwt, exp });
    return { jwt, expiresAt: new Date(exp * 1000).toISOString() };
  };
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
