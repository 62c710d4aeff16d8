import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync, verify } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedAppJwt } from "../../src/github/app-jwt.js";
import { AppOctokit, withCachedJwt } from "../../src/github/app-octokit.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

function decode(jwt: string) {
  const [header, payload, signature] = jwt.split(".");
  return {
    header: JSON.parse(Buffer.from(header!, "base64url").toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload!, "base64url").toString()) as { iat: number; exp: number; iss: unknown },
    valid: verify("sha256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature!, "base64url")),
  };
}

describe("the app's JWT", () => {
  it("is an RS256 JWT GitHub accepts: iat 30 s back, exp 10 minutes on, issued by the app", async () => {
    const now = Date.UTC(2026, 11, 3, 12, 0, 0);
    const { jwt, expiresAt } = await cachedAppJwt(privateKey, () => now)(1234);
    const { header, payload, valid } = decode(jwt);
    expect(valid).toBe(true);
    expect(header).toEqual({ alg: "RS256", typ: "JWT" });
    expect(payload).toEqual({ iat: now / 1000 - 30, exp: now / 1000 - 30 + 600, iss: 1234 });
    expect(expiresAt).toBe(new Date((now / 1000 - 30 + 600) * 1000).toISOString());
  });

  it("is reused while it has two minutes to go, then made anew; a clock correction gets its own", async () => {
    let now = Date.UTC(2026, 11, 3, 12, 0, 0);
    const make = cachedAppJwt(privateKey.replace(/\n/g, "\\n"), () => now);
    const first = (await make(1)).jwt;
    now += 7 * 60_000;
    expect((await make(1)).jwt).toBe(first);
    now += 60_000;
    const second = (await make(1)).jwt;
    expect(second).not.toBe(first);
    expect(decode(second).payload.iat).toBe(now / 1000 - 30);
    const skewed = await make(1, 90);
    expect(decode(skewed.jwt).payload.iat).toBe(now / 1000 + 90 - 30);
  });
});

describe("installation tokens of the app's Octokit", () => {
  let server: Server;
  let base: string;
  const bearers: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      bearers.push(String(req.headers.authorization));
      const id = /\/app\/installations\/(\d+)\/access_tokens/.exec(req.url ?? "")?.[1];
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: `ghs_${id}`, expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: "all" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("come from credentials whose private key is replaced by the shared JWT maker; other credentials are left alone", () => {
    const made = withCachedJwt({ appId: 42, privateKey, clientId: "c" }).auth!;
    expect(made).toEqual({ appId: 42, clientId: "c", createJwt: expect.any(Function) });
    expect(withCachedJwt({ appId: 42, privateKey }).auth!.createJwt).toBe(made.createJwt);
    expect(withCachedJwt({ token: "t" })).toEqual({});
    // An installation's client gets both from Probot: the key goes, the maker stays.
    expect(withCachedJwt({ appId: 42, privateKey, createJwt: made.createJwt, installationId: 7 })).toEqual({ auth: { appId: 42, createJwt: made.createJwt, installationId: 7 } });
    expect(withCachedJwt(undefined)).toEqual({});
  });

  it("are asked for with one JWT", async () => {
    const octokit = new AppOctokit({ baseUrl: base, authStrategy: createAppAuth, auth: { appId: 42, privateKey } });
    const tokens = [];
    for (const installationId of [1, 2, 3]) tokens.push(((await octokit.auth({ type: "installation", installationId })) as { token: string }).token);
    expect(tokens).toEqual(["ghs_1", "ghs_2", "ghs_3"]);
    expect(bearers).toHaveLength(3);
    expect(new Set(bearers).size).toBe(1);
    const jwt = bearers[0]!.replace(/^bearer /i, "");
    expect(decode(jwt)).toMatchObject({ valid: true, payload: { iss: 42 } });
  });

  it("work through Probot as the engine uses it: an installation's client authenticates and calls", async () => {
    bearers.length = 0;
    const probot = new Probot({ appId: 42, privateKey, Octokit: AppOctokit, baseUrl: base, log: (await import("pino")).pino({ level: "silent" }) });
    const installation = await probot.auth(9);
    await installation.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" });
    expect(bearers[0]).toMatch(/^bearer /i);
    expect(bearers.at(-1)).toBe("token ghs_9");
  });
});
