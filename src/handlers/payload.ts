/** Payload readers for the handlers: the same own-property readers the finding mapping uses. */
export { display, isRecord, positiveInteger, read, text } from "../workflows/payload-read.js";
