/**
 * Request bodies of the REST API: read within a size cap (413), as JSON or YAML by their
 * Content-Type (415 for anything else), with small JSON bodies checked against their schema so
 * a wrong type or an unknown field is a 400 that names it.
 */
import type { IncomingMessage } from "node:http";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { WorkflowFormat } from "../domain/stored-workflow.js";
import { BodyBudget, nestedDeeperThan, readBody } from "../http/read-body.js";
import { jsonSyntaxError } from "../workflows/source-syntax-errors.js";
import { ApiError, badBody } from "./respond.js";

/** The API's body bounds: a workflow document's 256 KiB and some room, 64 deep, 30 s to arrive, 16 MiB in flight for all requests. */
export const API_BODY_LIMITS = { maxBodyBytes: 300 * 1024, maxDepth: 64, bodyTimeoutMs: 30_000, budgetBytes: 16 * 1024 * 1024 } as const;

const budget = new BodyBudget(API_BODY_LIMITS.budgetBytes);

/** A body's text and the format its Content-Type names. */
export interface TextBody {
  text: string;
  format: WorkflowFormat;
}

/** Reads the body as text; an empty body is "" (the caller decides whether that is allowed). */
export async function readText(req: IncomingMessage, formats: readonly WorkflowFormat[] = ["json"]): Promise<TextBody> {
  const format = formatOf(req.headers["content-type"], formats);
  const result = await readBody(req, API_BODY_LIMITS, budget);
  if (!result.ok) {
    const status = result.status === 503 ? 503 : result.status === 413 ? 413 : result.status === 408 ? 408 : 400;
    throw new ApiError(status, `the request body: ${result.reason}`, [{ in: "body", pointer: "", message: result.reason }]);
  }
  try {
    if (format === "json" && nestedDeeperThan(result.body, API_BODY_LIMITS.maxDepth)) throw badBody("", `nested deeper than ${API_BODY_LIMITS.maxDepth} levels`);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(result.body);
    } catch {
      throw badBody("", "the body is not valid UTF-8");
    }
    return { text, format };
  } finally {
    result.release();
  }
}

/** The body's format by Content-Type: JSON (application/json, also absent) or YAML (application/yaml, text/yaml, application/x-yaml) where allowed. */
function formatOf(contentType: string | undefined, allowed: readonly WorkflowFormat[]): WorkflowFormat {
  const type = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
  const format: WorkflowFormat | undefined =
    type === "application/json" || type.endsWith("+json") ? "json" : ["application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml"].includes(type) ? "yaml" : undefined;
  if (format && allowed.includes(format)) return format;
  const accepted = allowed.map((f) => (f === "json" ? "application/json" : "application/yaml")).join(" or ");
  throw new ApiError(415, `Content-Type ${type} is not accepted here: send ${accepted}`, [{ in: "header", name: "content-type", message: `must be ${accepted}` }]);
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * A small JSON body (an action's parameters, not a workflow) parsed and checked against its
 * schema: malformed JSON, a wrong type, a missing or unknown field are each a 400 with the field's
 * pointer. An empty body is `{}`.
 */
export async function readJsonObject<T>(req: IncomingMessage, schema: object): Promise<T> {
  const { text } = await readText(req);
  let value: unknown;
  if (text.trim() === "") value = {};
  else {
    try {
      value = JSON.parse(text);
    } catch (err) {
      // JSON.parse on Node 20 often does not say where: the workflow loader's scanner does (line and column).
      const at = jsonSyntaxError(text, err as Error);
      const message = `the body is not valid JSON: ${at.message.replace(/^JSON syntax error: /, "")} (line ${at.line}, column ${at.col})`;
      throw new ApiError(400, `the body: ${message}`, [{ in: "body", pointer: "", line: at.line, col: at.col, message }]);
    }
  }
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(value)) throw schemaErrors(validate.errors ?? []);
  return value as T;
}

function schemaErrors(errors: ErrorObject[]): ApiError {
  const fields = errors.map((e) => {
    const pointer = e.keyword === "additionalProperties" ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)}` : e.keyword === "required" ? `${e.instancePath}/${String((e.params as { missingProperty: string }).missingProperty)}` : e.instancePath;
    const message = e.keyword === "additionalProperties" ? "unknown field" : e.keyword === "required" ? "is required" : (e.message ?? "is not valid");
    return { in: "body" as const, pointer, message };
  });
  const first = fields[0]!;
  return new ApiError(400, `${first.pointer || "the body"}: ${first.message}`, fields);
}
