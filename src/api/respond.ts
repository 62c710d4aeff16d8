/**
 * The REST API's answers: JSON bodies, and the one error shape every failure has
 * (`{ message, errors: [{ in, pointer | name, line?, col?, message }] }`), so a client always
 * learns which field was wrong.
 */
import type { ServerResponse } from "node:http";
import type { Diagnostic } from "../domain/diagnostic.js";

/** One problem with a request: a body field (a JSON pointer, with line and column when the body was text), a query or path parameter, or a header. */
export interface FieldError {
  in: "body" | "query" | "path" | "header";
  /** Body problems: the JSON pointer of the value ("" for the whole body). */
  pointer?: string;
  /** Parameter and header problems: its name. */
  name?: string;
  line?: number;
  col?: number;
  message: string;
}

/** A failure with its HTTP status: the router answers it as `{ message, errors }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** 400 for a query parameter. */
export function badQuery(name: string, message: string): ApiError {
  return new ApiError(400, `query parameter ${name}: ${message}`, [{ in: "query", name, message }]);
}

/** 400 for a body field. */
export function badBody(pointer: string, message: string): ApiError {
  return new ApiError(400, `${pointer === "" ? "the body" : pointer}: ${message}`, [{ in: "body", pointer, message }]);
}

/** 400 listing a document's errors (warnings are not errors), each with its pointer, line and column. */
export function invalidDocument(diagnostics: readonly Diagnostic[]): ApiError {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const first = errors[0];
  const summary = first ? `${first.line}:${first.col}: ${first.message}` : "the document is not valid";
  return new ApiError(
    400,
    `the workflow is not valid (${errors.length} error${errors.length === 1 ? "" : "s"}; the first: ${summary})`,
    errors.map((d) => ({ in: "body", pointer: d.pointer, line: d.line, col: d.col, message: d.message })),
  );
}

/**
 * 404, the same for what does not exist and what the caller may not see: the answer never says
 * which (no existence leaks).
 */
export function notFound(what: string): ApiError {
  return new ApiError(404, `${what} was not found (or you cannot see it)`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, { message: err.message, errors: err.errors }, err.headers);
}
