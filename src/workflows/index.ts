/** The workflow format: loading, validation, expressions. */
export { loadWorkflow, fileError, sizeError, isWorkflowFileName, type WorkflowFile } from "./load.js";
export { LIMITS } from "./limits.js";
export { checkExpression, checkTemplate, scanTemplate, contextVariables } from "./expressions.js";
export { parseDuration, formatDuration } from "./durations.js";
export { SCHEMA_URL, workflowSchema, prepareSchemaValidator } from "./schema.js";
