#!/usr/bin/env node
// The `governance` command: a thin launcher for the compiled CLI (built by `npm ci` / `npm run build`).
import { main } from "../dist/cli/main.js";

// `governance validate | head` closes the pipe early: stop quietly instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// `governance worker` runs the engine's own process: loaded only for it.
const worker = async (args, io) => (await import("../dist/worker-process.js")).runWorkerProcess(args, io);

process.exitCode = await main(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  },
  { worker },
);
