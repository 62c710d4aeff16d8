// Types for scripts/build-schema.mjs, so that tests can call it in-process.

/** The published schema's path, relative to the package root. */
export declare const OUTPUT: string;
/** `runRemediation` → `run-remediation.schema.json`: the file name of an action kind's schema. */
export declare function actionFileName(kind: string): string;
/** The schema files in src/actions/, by file name, sorted. */
export declare function actionSchemaFiles(root?: URL): string[];
/** The text of schema/workflow.schema.json as the sources under `root` say it should be. */
export declare function assemble(root?: URL): string;
