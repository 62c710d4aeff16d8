// Types for scripts/build-docs.mjs, so that tests can call it in-process.
import type { readSources } from "./build-schema.mjs";

/** The README's path, relative to the package root. */
export declare const README: string;
/** The text of README.md with every generated table as the sources under `root` say it should be. */
export declare function renderReadme(root?: URL): string;
/** The Markdown lines of one generated region's table ("triggers", "actions", "manual inputs"). */
export declare function renderRegion(sources: ReturnType<typeof readSources>, region: string): string[];
