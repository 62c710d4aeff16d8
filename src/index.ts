import type { ApplicationFunctionOptions, Probot } from "probot";
import { healthHandler } from "./api/health.js";
import { VERSION } from "./version.js";

/**
 * The Probot application function: the composition root. It wires handlers and routes and
 * holds no logic of its own.
 */
export default function governanceApp(app: Probot, options: ApplicationFunctionOptions): void {
  options.addHandler?.(healthHandler(VERSION));
  app.log.info({ version: VERSION }, "governance workflow engine loaded");
}
