/* global fetch, AbortSignal */
// Child processes of the benchmark: the app (`node dist/main.js`), `governance worker`, the bare Probot app, the
// load generator and the bare Octokit client. Every child is registered here and killed when
// the benchmark exits, however it exits (normal end, error, SIGINT, SIGTERM).
import { fork, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const WEBHOOK_SECRET = "bench-webhook-secret";
export const APP_ID = "4242";

const children = new Set();

/** Kills every child still running (SIGKILL): for exit paths, where nothing can be awaited. */
export function killAllNow() {
  for (const child of children) {
    try {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}

let hooked = false;
/** Installs the exit hooks once: children never outlive the benchmark. */
export function installExitHooks(onSignal) {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAllNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping the children\n`);
      killAllNow();
      onSignal?.(signal);
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  process.on("uncaughtException", (err) => {
    process.stderr.write(`bench: uncaught exception: ${err?.stack ?? err}\n`);
    killAllNow();
    process.exit(1);
  });
  process.on("unhandledRejection", (err) => {
    process.stderr.write(`bench: unhandled rejection: ${err?.stack ?? err}\n`);
    killAllNow();
    process.exit(1);
  });
}

function register(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export async function stopChild(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A free TCP port on 127.0.0.1 (Probot reads PORT=0 as 3000, so the port is picked here). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let key;
/** An RSA private key in PKCS#1 PEM, as GitHub issues App keys; the stand-in never checks the JWT. */
export function privateKey() {
  key ??= generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  return key;
}

/** VmRSS of a process in bytes (Linux /proc/<pid>/status), or undefined. */
export function rssOf(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The environment both Probot children get: a stripped copy of ours plus the app's variables. */
function childEnv(extra) {
  const env = { ...process.env };
  // Nothing of the caller's GitHub or app setup may leak into a benchmark child.
  for (const k of ["GHE_HOST", "GHE_PROTOCOL", "WEBHOOK_PROXY_URL", "REDIS_URL", "PRIVATE_KEY_PATH", "GH_ORG", "NODE_OPTIONS", "SENTRY_DSN", "WEBHOOK_PATH"]) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith("GOVERNANCE_") || k.startsWith("npm_")) delete env[k];
  return { ...env, ...extra };
}

/** Resolves when `GET url` answers 2xx; rejects after `timeoutMs` or when the child exits. */
async function waitForHttp(url, child, timeoutMs, logPath) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the process exited (${child.exitCode ?? child.signalCode}) before answering ${url}; log: ${tail(logPath)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms; log: ${tail(logPath)}`);
}

/** The last lines of a log file, for error messages. */
export function tail(path, lines = 15) {
  try {
    return `\n${readFileSync(path, "utf8").split("\n").slice(-lines).join("\n")}`;
  } catch {
    return "(no log)";
  }
}

/**
 * Starts a Probot server in a child process and waits until it answers. `kind` is "app" (our
 * app: `node dist/main.js`, ready when `/healthz` answers) or "bare" (bench/lib/bare-probot.mjs:
 * a Probot app with an empty handler, ready when Probot's `/ping` answers).
 *
 * `standIn` is the stand-in for GitHub (GHE_HOST/GHE_PROTOCOL point at it); `workDir` holds
 * the SQLite file, the operator configuration and the logs. `env` adds or overrides variables.
 * Resolves { child, pid, port, url, webhookUrl, logPath, rss(), stop() }.
 */
export async function startProbotChild({ kind = "app", standIn, workDir, name = kind, env = {}, timeoutMs = 30_000 }) {
  mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  const logPath = join(workDir, `${name}.log`);
  const fullEnv = childEnv({
    APP_ID,
    PRIVATE_KEY: privateKey(),
    WEBHOOK_SECRET,
    GHE_HOST: standIn.host,
    GHE_PROTOCOL: "http",
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    // Probot's default outside production is pino-pretty; JSON lines are cheaper and greppable.
    LOG_FORMAT: "json",
    DATABASE_URL: `sqlite:${join(workDir, "bench.db")}`,
    GOVERNANCE_STALL_SECONDS: "0",
    ...env,
  });
  const script = kind === "app" ? (process.env.BENCH_APP_SCRIPT ?? join(ROOT, "dist/main.js")) : fileURLToPath(new URL("./bare-probot.mjs", import.meta.url));
  // cwd is the work dir: no stray .env of the checkout is read (Probot and the app both load ./.env).
  // BENCH_APP_NODE_ARGS: extra node flags for the app only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = kind === "app" ? (process.env.BENCH_APP_NODE_ARGS ?? "").split(" ").filter(Boolean) : [];
  const child = register(spawn(process.execPath, [...nodeArgs, script], { cwd: workDir, env: fullEnv, stdio: ["ignore", "pipe", "pipe"] }));
  const log = createWriteStream(logPath);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}${kind === "app" ? "/healthz" : "/ping"}`, child, timeoutMs, logPath);
  } catch (err) {
    await stopChild(child, 500);
    throw err;
  }
  return {
    child,
    pid: child.pid,
    port,
    url,
    webhookUrl: `${url}/api/github/webhooks`,
    logPath,
    alive: () => child.exitCode === null && child.signalCode === null,
    rss: () => rssOf(child.pid),
    stop: (graceMs) => stopChild(child, graceMs),
  };
}

/**
 * Starts `governance worker` (the engine without a server) on the same database and stand-in
 * as the app children: it has no port, so it counts as started once its log says so.
 */
export async function startWorkerChild({ standIn, workDir, name = "worker", env = {}, timeoutMs = 30_000 }) {
  mkdirSync(workDir, { recursive: true });
  const logPath = join(workDir, `${name}.log`);
  const fullEnv = childEnv({
    APP_ID,
    PRIVATE_KEY: privateKey(),
    GHE_HOST: standIn.host,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    DATABASE_URL: `sqlite:${join(workDir, "bench.db")}`,
    GOVERNANCE_STALL_SECONDS: "0",
    ...env,
  });
  const child = register(spawn(process.execPath, [join(ROOT, "bin/governance.js"), "worker"], { cwd: workDir, env: fullEnv, stdio: ["ignore", "pipe", "pipe"] }));
  const log = createWriteStream(logPath);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker exited (${child.exitCode ?? child.signalCode}) before it started; log: ${tail(logPath)}`);
    if (existsSync(logPath) && readFileSync(logPath, "utf8").includes("governance worker started")) break;
    if (Date.now() > end) {
      await stopChild(child, 500);
      throw new Error(`the worker did not start within ${timeoutMs} ms; log: ${tail(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, pid: child.pid, logPath, alive: () => child.exitCode === null && child.signalCode === null, stop: (graceMs) => stopChild(child, graceMs) };
}

/**
 * Runs a helper script (bench/lib/*.mjs) in a child process with an IPC channel: sends it
 * `message`, resolves its first answer. Rejects when it exits without answering or after
 * `timeoutMs` (then it is killed).
 */
export function runHelper(script, message, { timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = register(fork(fileURLToPath(new URL(script, import.meta.url)), [], { cwd: ROOT, execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] }));
    let answered = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      if (!answered) reject(new Error(`${script} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", (m) => {
      answered = true;
      clearTimeout(timer);
      child.kill("SIGTERM");
      if (m && m.error) reject(new Error(`${script}: ${m.error}`));
      else resolve(m);
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!answered) reject(new Error(`${script} exited (${code}) without an answer`));
    });
    child.send(message);
  });
}
