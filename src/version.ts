/** The app's version, read once from package.json, for the start-up log and the `/healthz` answer. */
import { readFileSync } from "node:fs";

/** The package version, read once from package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
