import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { posix } from "node:path";
import { describe, expect, it } from "vitest";
// Probot's reading of the environment (not exported by the package: imported by path).
import { readEnvOptions } from "../../node_modules/probot/lib/bin/read-env-options.js";
import { healthHandler } from "../../src/api/health.js";
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from "../../src/store/open-store.js";
import { VERSION } from "../../src/version.js";
import { ROOT } from "../helpers/fixtures.js";

/**
 * The image cannot be built here (no base images offline); what the Dockerfile and
 * docs/deploying.md say is checked against the code they describe.
 */

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** The Dockerfile's instructions: continuation lines joined, comments dropped, each tagged with its stage (one per FROM). */
function instructions(text: string): Instruction[] {
  const lines = text.split("\n").filter((line) => !/^\s*#/.test(line));
  const joined = lines.join("\n").replace(/\\\n/g, " ");
  let stage = -1;
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line)!;
      if (keyword.toUpperCase() === "FROM") stage++;
      return { keyword: keyword.toUpperCase(), args: args.trim(), stage };
    });
}

const dockerfile = instructions(readFileSync(`${ROOT}Dockerfile`, "utf8"));
const lastStage = Math.max(...dockerfile.map((i) => i.stage));
const runtime = dockerfile.filter((i) => i.stage === lastStage);
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { scripts: Record<string, string>; files: string[] };

function all(keyword: string, from: Instruction[] = runtime): string[] {
  return from.filter((i) => i.keyword === keyword).map((i) => i.args);
}
function last(keyword: string): string {
  const found = all(keyword);
  if (found.length === 0) throw new Error(`the Dockerfile's last stage has no ${keyword}`);
  return found[found.length - 1]!;
}
/** An exec-form argument list (`["node", "x.js"]`); the shell form is refused, as it would put a shell between tini and node. */
function execForm(args: string): string[] {
  if (!args.startsWith("[")) throw new Error(`expected the exec form ["…", "…"], got ${args}`);
  return JSON.parse(args) as string[];
}
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of all("ENV", stage)) for (const [, name, value] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) env[name!] = value!.replace(/^"|"$/g, "");
  return env;
}

describe("the Dockerfile", () => {
  it("runs what `npm start` runs", () => {
    expect(execForm(last("CMD")).join(" ")).toBe(pkg.scripts.start);
  });

  it("starts node under an init that the image installs, so the stall watchdog can kill it", () => {
    const [init] = execForm(last("ENTRYPOINT"));
    const name = posix.basename(init ?? "");
    expect(["tini", "dumb-init"]).toContain(name);
    expect(all("RUN").some((run) => new RegExp(`install\\b.*\\b${name}\\b`).test(run))).toBe(true);
  });

  it("runs as a user that is not root", () => {
    const user = last("USER").split(":")[0];
    expect(user).not.toBe("");
    expect(["root", "0"]).not.toContain(user);
  });

  it("keeps the default DATABASE_URL's folder in a volume the app's user owns", () => {
    const workdir = last("WORKDIR");
    const dataDir = posix.dirname(parseDatabaseUrl(DEFAULT_DATABASE_URL, workdir).filename!);
    const volumes = all("VOLUME").flatMap((args) => (args.startsWith("[") ? execForm(args) : args.split(/\s+/)));
    expect(volumes).toContain(dataDir);
    const user = last("USER").split(":")[0]!;
    expect(all("RUN").some((run) => run.includes(`chown ${user}`) && run.includes(dataDir))).toBe(true);
  });

  it("exposes the port Probot listens on and listens on every interface", () => {
    const env = envOf(runtime);
    const port = readEnvOptions(env.PORT === undefined ? {} : { PORT: env.PORT }).port;
    expect(all("EXPOSE").flatMap((args) => args.split(/\s+/))).toContain(String(port));
    expect(env.HOST).toBe("0.0.0.0");
  });

  it("copies into the runtime image what the published package holds, with its dependencies", () => {
    const copied = all("COPY").filter((args) => args.startsWith("--from=")).map((args) => args.split(/\s+/)[1]!);
    for (const entry of [...pkg.files, "package.json", "node_modules"]) expect(copied).toContain(`/app/${entry}`);
  });

  describe("HEALTHCHECK", () => {
    const command = execForm(/\bCMD\s+(\[.*\])$/.exec(last("HEALTHCHECK"))?.[1] ?? "");

    it("is a node command (the image has no curl)", () => {
      expect(command[0]).toBe("node");
    });

    it("passes against the app's health handler on PORT", async () => {
      const health = healthHandler(VERSION);
      const code = await withServer((req, res) => {
        if (!health(req, res)) res.writeHead(404).end();
      }, (port) => runHealthcheck(command, port));
      expect(code).toBe(0);
    });

    it("fails when the health path is not answered with a 2xx", async () => {
      const code = await withServer((_req, res) => res.writeHead(503).end(), (port) => runHealthcheck(command, port));
      expect(code).not.toBe(0);
    });
  });
});

describe("the .dockerignore", () => {
  const patterns = readFileSync(`${ROOT}.dockerignore`, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

  it("lets in every file the Dockerfile copies from the build context", () => {
    const sources = all("COPY", dockerfile)
      .filter((args) => !args.startsWith("--from="))
      .flatMap((args) => args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      const files = filesUnder(source);
      expect(files.length, source).toBeGreaterThan(0);
      for (const file of files) expect(ignored(patterns, file), file).toBe(false);
    }
  });

  it("keeps secrets and local state out", () => {
    for (const path of [".env", "src/.env", ".env.production", "private-key.pem", "src/app.pem", "data/governance.db", "node_modules/probot/package.json", ".git/HEAD", "dist/main.js"]) {
      expect(ignored(patterns, path), path).toBe(true);
    }
  });
});

describe("docs/deploying.md", () => {
  const doc = readFileSync(`${ROOT}docs/deploying.md`, "utf8");

  it("names only environment variables the README documents or the code reads", () => {
    const readme = readFileSync(`${ROOT}README.md`, "utf8");
    const table = readme.slice(readme.indexOf("| variable | meaning |")).split("\n\n")[0]!;
    const documented = new Set(table.split("\n").flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!)));
    const source = sourceText(`${ROOT}src`);
    const mentioned = envNames(doc, "## Environment variables");
    for (const name of Object.keys(envOf(dockerfile))) mentioned.add(name);

    expect(documented.size).toBeGreaterThan(10);
    for (const name of ["APP_ID", "WEBHOOK_SECRET", "DATABASE_URL", "GOVERNANCE_CONFIG", "PORT", "HOST", "NODE_ENV"]) expect(mentioned).toContain(name);
    const unknown = [...mentioned].filter((name) => !documented.has(name) && !new RegExp(`\\b${name}\\b`).test(source));
    expect(unknown).toEqual([]);
  });

  it("says which image user, volume and health path the Dockerfile has", () => {
    expect(doc).toContain(`\`${last("USER").split(":")[0]}\` user`);
    expect(doc).toContain(`\`${all("VOLUME").join(" ").replace(/[[\]"]/g, "")}\` is a volume`);
    expect(doc).toContain("`GET /healthz`");
  });
});

/**
 * Environment variable names in a markdown text: names with an underscore, names assigned
 * (`PORT=3000`), and the code spans of the first column of the table under `heading`.
 */
function envNames(markdown: string, heading: string): Set<string> {
  const names = new Set<string>();
  for (const [name] of markdown.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)) names.add(name);
  for (const [, name] of markdown.matchAll(/\b([A-Z][A-Z0-9_]*)=/g)) names.add(name!);
  const start = markdown.indexOf(`${heading}\n`);
  const section = markdown.slice(start, markdown.indexOf("\n## ", start + 1));
  for (const row of section.split("\n").filter((line) => line.startsWith("|"))) {
    for (const [, name] of (row.split("|")[1] ?? "").matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(name!);
  }
  return names;
}

function sourceText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => readFileSync(`${entry.parentPath}/${entry.name}`, "utf8"))
    .join("\n");
}

/** The repository's files a COPY source names (a file, or every file of a folder), relative to the root. */
function filesUnder(source: string): string[] {
  const path = source.replace(/^\.\//, "").replace(/\/$/, "");
  try {
    return readdirSync(`${ROOT}${path}`, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => posix.relative(ROOT, `${entry.parentPath}/${entry.name}`));
  } catch {
    return [path];
  }
}

/**
 * Whether Docker leaves `path` out of the build context: the last pattern that matches the path
 * or one of its parent folders decides (`!` lets it back in); `*` and `?` stay within one path
 * segment, `**` spans any number of them.
 */
function ignored(patterns: string[], path: string): boolean {
  const parents = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let out = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = posix.normalize(negated ? raw.slice(1) : raw).replace(/^\//, "").replace(/\/$/, "");
    const regex = new RegExp(
      `^${pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => (part === "**/" ? "(?:.*/)?" : part === "**" ? ".*" : part === "*" ? "[^/]*" : part === "?" ? "[^/]" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("")}$`,
    );
    if (parents.some((p) => regex.test(p))) out = !negated;
  }
  return out;
}

async function withServer<T>(listener: RequestListener, use: (port: number) => Promise<T>): Promise<T> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await use((server.address() as AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Runs the HEALTHCHECK's command as Docker would, with this Node for `node`; resolves its exit code. */
function runHealthcheck(command: string[], port: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, command.slice(1), { env: { ...process.env, PORT: String(port) }, timeout: 10_000 }, (err) => {
      resolve(err ? (typeof err.code === "number" ? err.code : 1) : 0);
    });
  });
}
