/** Thrown by a job handler when trying again cannot help (bad input, a record that is gone): the worker gives the job up at once. */
export class NonRetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NonRetriableError";
  }
}
