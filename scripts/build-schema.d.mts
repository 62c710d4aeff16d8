// Types for scripts/build-schema.mjs, so that tests can call it in-process.

/** The base schema's path, relative to the package root. */
export declare const BASE: string;
/** The folders of the action kinds' and the trigger types' schema files. */
export declare const ACTIONS_DIR: string;
export declare const TRIGGERS_DIR: string;
/** The published schema's path, relative to the package root. */
export declare const OUTPUT: string;
/** The key beside a parameter's or config field's schema that holds its README text (stripped from the published schema). */
export declare const DOC_KEY: string;
/** `runRemediation` → `run-remediation.schema.json`: the file name of an action kind's schema. */
export declare function actionFileName(kind: string): string;
/** `onScanResult` → `on-scan-result.schema.json`, `onPR` → `on-pr.schema.json`: the file name of a trigger type's schema. */
export declare function triggerFileName(type: string): string;
/** The schema files in src/actions/, by file name, sorted. */
export declare function actionSchemaFiles(root?: URL): string[];
/** The schema files in src/triggers/, by file name, sorted. */
export declare function triggerSchemaFiles(root?: URL): string[];
/** The base schema and each trigger type's and action kind's file (as written), checked, in the base's order. */
export declare function readSources(root?: URL): {
  base: Record<string, unknown>;
  triggers: { type: string; path: string; own: Record<string, unknown> }[];
  actions: { kind: string; path: string; own: Record<string, unknown> }[];
};
/** A copy of a schema without the README text at any depth. */
export declare function stripDocs<T>(schema: T): T;
/** The text of schema/workflow.schema.json as the sources under `root` say it should be. */
export declare function assemble(root?: URL): string;
/** A JSON file under `root`, parsed; a syntax error names the file. */
export declare function readJson(root: URL, path: string): unknown;
