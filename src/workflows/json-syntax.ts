/** Locates the first syntax error of a JSON workflow file (line and column, which JSON.parse does not give), in one bounded pass. */
import { LIMITS } from "./limits.js";

const UNCLOSED = 'the " quote opened here is not closed';

/**
 * Finds the first syntax error of a JSON text with its offset. JSON.parse on Node 20 names the
 * problem but often not where it is; workflow errors must point at a line and column.
 * One pass over the text; it recurses per nesting level, so nesting past
 * `LIMITS.maxParserNesting` is reported as the error (a valid workflow nests 32 levels at most).
 */
export function findJsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  let depth = 0;
  const fail = (message: string, at = i) => {
    throw new JsonSyntaxError(at, message);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const describe = () => (i >= text.length ? "unexpected end of file" : `unexpected ${JSON.stringify(text[i])}`);
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(describe());
  };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      // A line break cannot be inside a JSON string: the quote before it was never closed.
      if (c === 0x0a || c === 0x0d) fail(`${UNCLOSED} on its line (a JSON string cannot span lines; write \\n for a line break)`, start);
      if (c < 0x20) fail("control characters must be escaped inside a string");
      if (text[i] === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("invalid \\u escape");
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail(`invalid escape "\\${e ?? ""}"`);
        i += 2;
        continue;
      }
      i++;
    }
    if (i >= text.length) fail(UNCLOSED, start);
    i++;
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail(describe());
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if ((c === "{" || c === "[") && ++depth > LIMITS.maxParserNesting) fail(`nesting is too deep (at most ${LIMITS.maxDepth} levels)`);
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        depth--;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === "}" ? "trailing comma before }" : `expected a property name in double quotes, found ${describe().replace("unexpected ", "")}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ":" after the property name, found ${describe().replace("unexpected ", "")}`);
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          depth--;
          return;
        }
        fail(`expected "," or "}", found ${describe().replace("unexpected ", "")}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        depth--;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === "]") fail("trailing comma before ]");
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          depth--;
          return;
        }
        fail(`expected "," or "]", found ${describe().replace("unexpected ", "")}`);
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    fail(describe());
  };
  try {
    value();
    ws();
    if (i < text.length) fail("unexpected text after the end of the document");
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { offset: err.offset, message: err.message };
    throw err;
  }
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}
